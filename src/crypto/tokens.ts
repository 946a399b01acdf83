import { createHash, randomBytes, scrypt } from 'node:crypto';

export type TokenKind = 'device' | 'access' | 'invite';

const PREFIX: Record<TokenKind, string> = { device: 'dev_', access: 'acc_', invite: 'inv_' };

/** 32 random bytes (256 bits), base64url: 43 characters. */
const TOKEN_BODY = /^[A-Za-z0-9_-]{43}$/;

export interface MintedToken {
  /** The secret, shown to the client once and never stored. */
  token: string;
  /** What is stored and looked up: SHA-256 of the token, hex. */
  hash: string;
}

/** Makes a new opaque token of the given kind and the hash to store for it. */
export function mintToken(kind: TokenKind): MintedToken {
  const token = PREFIX[kind] + randomBytes(32).toString('base64url');
  return { token, hash: hashToken(token) };
}

/**
 * SHA-256 of a token. A fast hash is enough: the token has 256 bits of entropy,
 * so a stolen hash cannot be reversed, and lookups by hash take constant time.
 */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** scrypt's cost for pairing codes: 16 MiB and tens of milliseconds a hash. */
const PAIRING_CODE_SCRYPT = { N: 2 ** 14, r: 8, p: 1 };
const PAIRING_CODE_SALT = 'pos-accounts:pairing-code:v1';

/**
 * The stored form of a device pairing code (40 bits). A fast hash would let
 * whoever reads the table try every code within the code's ten minutes; with
 * scrypt that takes far longer than a code lives. The salt is fixed so that a
 * code can still be looked up by its hash; a table of all 2^40 codes under it
 * would cost GPU-months and tens of terabytes to build.
 */
export function hashPairingCode(code: string): Promise<string> {
  return new Promise((resolve, reject) =>
    scrypt(code, PAIRING_CODE_SALT, 32, PAIRING_CODE_SCRYPT, (error, key) => (error ? reject(error) : resolve(key.toString('hex')))),
  );
}

/** The kind of a well-formed opaque token, or undefined for anything else. */
export function tokenKind(token: string): TokenKind | undefined {
  for (const kind of Object.keys(PREFIX) as TokenKind[]) {
    if (token.startsWith(PREFIX[kind]) && TOKEN_BODY.test(token.slice(PREFIX[kind].length))) return kind;
  }
  return undefined;
}

/** A random identifier for new rows: 16 bytes, base64url, matching the identifier pattern. */
export function newUid(): string {
  return randomBytes(16).toString('base64url');
}
