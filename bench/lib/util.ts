import net from 'node:net';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function median(values: number[]): number {
  const xs = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (xs.length === 0) return NaN;
  const mid = Math.floor(xs.length / 2);
  return xs.length % 2 ? xs[mid] : (xs[mid - 1] + xs[mid]) / 2;
}

export function minMaxMedian(values: number[]): { min: number; median: number; max: number; n: number } {
  const xs = values.filter((v) => Number.isFinite(v));
  if (xs.length === 0) return { min: NaN, median: NaN, max: NaN, n: 0 };
  return { min: Math.min(...xs), median: median(xs), max: Math.max(...xs), n: xs.length };
}

/** A free TCP port on 127.0.0.1 (the kernel's pick; closed again before use). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Progress goes to stderr; stdout carries only the markdown report. */
export function log(message: string): void {
  const t = new Date().toISOString().slice(11, 19);
  process.stderr.write(`[bench ${t}] ${message}\n`);
}

export function fmt(value: number | undefined | null, digits = 0): string {
  if (value === undefined || value === null || !Number.isFinite(value)) return 'n/a';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function fmtRatio(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return 'n/a';
  return value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

export function mb(kiloBytes: number | undefined): string {
  return kiloBytes === undefined || !Number.isFinite(kiloBytes) ? 'n/a' : (kiloBytes / 1024).toFixed(0);
}

/** Only loopback may be a target: refuse anything else before a request is sent. */
export function assertLoopback(url: string): void {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  if (!(host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host))) {
    throw new Error(`bench targets loopback only, refusing ${url}`);
  }
}
