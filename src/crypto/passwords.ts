import { hash, verify, type Options } from '@node-rs/argon2';
import { AppError } from '../errors.js';

// algorithm 2 is Argon2id (a const enum in the typings, which isolated modules cannot read).
/** OWASP's minimum for argon2id: 19 MiB, two passes, one lane. */
const ARGON2_OPTIONS: Options = { algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1 };

/**
 * Hashes and verifies passwords and PINs with argon2id on libuv's thread pool,
 * never on the event loop. At most `concurrency` hashes run at once (each takes
 * 19 MiB and a core for tens of milliseconds) and at most `maxWaiting` wait;
 * past that a request gets 503 with Retry-After instead of piling up memory and
 * latency for everyone else.
 */
export class PasswordHasher {
  #running = 0;
  readonly #waiting: (() => void)[] = [];
  /** Hashes running or waiting per share key (a tenant), for fairness. */
  readonly #perShare = new Map<string, number>();
  readonly #maxPerShare: number;
  #dummyHash: Promise<string> | undefined;

  constructor(
    private readonly concurrency: number,
    private readonly maxWaiting: number,
  ) {
    // No tenant may hold more than a quarter of the slots and queue, so one
    // tenant's flood cannot turn every other tenant's logins away.
    this.#maxPerShare = Math.max(2, Math.ceil((concurrency + maxWaiting) / 4));
  }

  /** Hashes running and waiting now (for metrics). */
  load(): { running: number; waiting: number } {
    return { running: this.#running, waiting: this.#waiting.length };
  }

  /** An argon2id hash of a new password; `share` as for `verify`. */
  hash(password: string, share = ''): Promise<string> {
    return this.bounded(() => hash(password, ARGON2_OPTIONS), share);
  }

  /**
   * Verifies a password against a stored hash. With no hash (unknown user code,
   * or a member without a password) it verifies against a dummy hash of the same
   * cost, so the answer takes about as long either way, and returns false.
   */
  async verify(storedHash: string | null | undefined, password: string, share = ''): Promise<boolean> {
    const target = storedHash || (await (this.#dummyHash ??= hash('dummy password for timing equalisation', ARGON2_OPTIONS)));
    let ok: boolean;
    try {
      ok = await this.bounded(() => verify(target, password), share);
    } catch (error) {
      if (error instanceof AppError) throw error;
      return false; // not a hash argon2 can read
    }
    return Boolean(storedHash) && ok;
  }

  /**
   * Runs other password work (a hash of another algorithm) under the same bounds.
   * `share` names who the work is for (a tenant); no share may hold more than a
   * quarter of the slots and queue. Throws 503 `service_unavailable` when full.
   */
  async bounded<T>(work: () => Promise<T>, share = ''): Promise<T> {
    const held = this.#perShare.get(share) ?? 0;
    if (share !== '' && held >= this.#maxPerShare) throw this.#busy();
    this.#perShare.set(share, held + 1);
    try {
      return await this.#slot(work);
    } finally {
      const left = (this.#perShare.get(share) ?? 1) - 1;
      if (left === 0) this.#perShare.delete(share);
      else this.#perShare.set(share, left);
    }
  }

  #busy(): AppError {
    return new AppError('service_unavailable', 'Too many logins at once; try again in a moment', { 'retry-after': '1' });
  }

  async #slot<T>(work: () => Promise<T>): Promise<T> {
    if (this.#running >= this.concurrency) {
      if (this.#waiting.length >= this.maxWaiting) throw this.#busy();
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else {
      this.#running++;
    }
    try {
      return await work();
    } finally {
      // Hand the slot straight to the next waiter, or free it.
      const next = this.#waiting.shift();
      if (next) next();
      else this.#running--;
    }
  }
}

/**
 * A new password must have 6 to 128 characters; an all-digit PIN may be as short
 * as `pinMinLength` (4–6, configurable). Throws 400 `validation_failed`.
 */
export function assertPasswordPolicy(password: string, pinMinLength: number): void {
  const length = [...password].length;
  const minimum = /^[0-9]+$/.test(password) ? Math.min(pinMinLength, 6) : 6;
  if (length < minimum || length > 128) {
    throw new AppError(
      'validation_failed',
      `The password must have ${minimum} to 128 characters${minimum < 6 ? ' (a numeric PIN)' : ''}`,
    );
  }
}
