import { isoAfter, type Clock } from '../clock.js';
import type { Db } from '../db/database.js';
import { AppError } from '../errors.js';
import { countFailure, findFailureWindow, purgeFailureWindows } from './failure-windows-store.js';

/** A limit: at most `maxFailures` in `windowSeconds`, then 429 until the window ends. */
export interface FailureLimit {
  maxFailures: number;
  windowSeconds: number;
}

/**
 * Fixed-window failure counters kept in the database, so that every node counts
 * the same: wrong pairing codes per client address, failed logins per device.
 * Checking is a cheap read, done before any expensive work.
 */
export class FailureWindows {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /** Throws 429 with Retry-After while `key` has used up its failures. */
  async check(key: string, limit: FailureLimit, message: string): Promise<void> {
    const now = this.clock.now();
    const row = await findFailureWindow(this.db, key);
    if (!row || row.failures < limit.maxFailures || row.window_started_at < isoAfter(now, -limit.windowSeconds)) return;
    throw tooManyAttempts(message, Date.parse(row.window_started_at) + limit.windowSeconds * 1000, now);
  }

  async count(key: string, limit: FailureLimit): Promise<void> {
    const now = this.clock.now();
    await countFailure(this.db, key, now.toISOString(), isoAfter(now, -limit.windowSeconds));
  }

  /** Forgets windows that ended a day ago or more. */
  async purge(): Promise<void> {
    await purgeFailureWindows(this.db, isoAfter(this.clock.now(), -86400));
  }
}

/** 429 `too_many_attempts` until `untilMs`, with Retry-After in whole seconds (at least 1). */
export function tooManyAttempts(message: string, untilMs: number, now: Date): AppError {
  const retry = Math.max(1, Math.ceil((untilMs - now.getTime()) / 1000));
  return new AppError('too_many_attempts', `${message}; try again in ${retry} s`, { 'retry-after': String(retry) });
}
