import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';

/** A child process the bench started; every one is ended by pid when the bench exits. */
export interface Tracked {
  name: string;
  pid: number;
  proc: ChildProcess;
  /** Exit code (or signal name) once it has exited. */
  exited: Promise<number | string | null>;
  hasExited(): boolean;
  /** The last lines it wrote (stdout and stderr), for error messages. */
  tail(): string;
}

const live = new Map<number, Tracked>();

export function spawnTracked(name: string, command: string, args: string[], options: SpawnOptions & { onStdout?: (s: string) => void } = {}): Tracked {
  const proc = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  if (proc.pid === undefined) throw new Error(`could not start ${name}`);
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    options.onStdout?.(text);
    lines.push(...text.split('\n').filter(Boolean));
    if (lines.length > 60) lines.splice(0, lines.length - 60);
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  let done = false;
  const exited = new Promise<number | string | null>((resolve) => {
    proc.on('exit', (code, signal) => {
      done = true;
      live.delete(proc.pid!);
      resolve(code ?? signal);
    });
    proc.on('error', () => {
      done = true;
      live.delete(proc.pid!);
      resolve('spawn-error');
    });
  });
  const tracked: Tracked = { name, pid: proc.pid, proc, exited, hasExited: () => done, tail: () => lines.join('\n') };
  live.set(proc.pid, tracked);
  return tracked;
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
export async function stopTracked(child: Tracked, graceMs = 15_000): Promise<void> {
  if (child.hasExited()) return;
  try {
    process.kill(child.pid, 'SIGTERM');
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }, graceMs);
  await child.exited;
  clearTimeout(timer);
}

/** Ends every child still running (by pid, never by name). */
export function killAllTracked(): void {
  for (const child of live.values()) {
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
}

/** VmHWM (peak RSS) and VmRSS of a live process, in KiB. */
export function memoryOf(pid: number): { peakRssKiB: number; rssKiB: number } | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { peakRssKiB: field('VmHWM'), rssKiB: field('VmRSS') };
  } catch {
    return undefined;
  }
}

const TICKS_PER_SECOND = 100; // CLK_TCK on Linux

/** CPU seconds (user + system, all threads) a live process has used. */
export function cpuSecondsOf(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state); utime is field 14, stime field 15.
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return NaN;
  }
}

/**
 * CPU seconds of this process and of its children that have exited and been
 * reaped (field 16, 17: cutime, cstime): the load generators' CPU.
 */
export function selfAndReapedChildrenCpu(): { self: number; children: number } {
  const stat = fs.readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return {
    self: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND,
    children: (Number(fields[13]) + Number(fields[14])) / TICKS_PER_SECOND,
  };
}

/** The whole machine's busy and total CPU seconds so far (/proc/stat). */
export function machineCpu(): { busy: number; total: number } {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = v;
  const total = user + nice + system + idle + iowait + irq + softirq + steal;
  return { busy: (total - idle - iowait) / TICKS_PER_SECOND, total: total / TICKS_PER_SECOND };
}

export function loadAverage(): number[] {
  return os.loadavg().map((x) => Math.round(x * 100) / 100);
}

/**
 * CPU seconds of every live process with this command name (e.g. `postgres`:
 * the local database server's backends, which do part of the service's work).
 * Processes that exit between two readings drop out of the sum.
 */
export function cpuSecondsOfCommand(command: string): number {
  let sum = 0;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      if (comm !== command) continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      sum += (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
    } catch {
      // gone meanwhile
    }
  }
  return sum;
}
