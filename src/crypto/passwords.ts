import { hash, verify, type Options } from '@node-rs/argon2';
import { AppError } from '../errors.js';

/** OWASP's minimum for argon2id: 19 MiB, two passes, one lane. */
// algorithm 2 is Argon2id (a const enum in the typings, which isolated modules cannot read).
const ARGON2_OPTIONS: Options = { algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1 };

/** Hashes a password or PIN with argon2id off the event loop. */
export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS);
}

let dummyHash: Promise<string> | undefined;

/**
 * Verifies a password against a stored hash. With no hash (unknown user code, or a
 * member without a password) it verifies against a dummy hash of the same cost,
 * so the answer takes about as long either way, and returns false.
 */
export async function verifyPassword(storedHash: string | null | undefined, password: string): Promise<boolean> {
  if (!storedHash) {
    dummyHash ??= hashPassword('dummy password for timing equalisation');
    await verify(await dummyHash, password).catch(() => false);
    return false;
  }
  try {
    return await verify(storedHash, password);
  } catch {
    return false;
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
