import { AppError } from '../errors.js';

/**
 * Keyset pagination: the cursor is the sort key of the last item returned, so a
 * page stays stable when rows are inserted concurrently. Cursors are opaque
 * base64url JSON to the client.
 */
export function encodeCursor(key: string[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** The sort key in a cursor; 400 `validation_failed` for one that was not made here. */
export function decodeCursor(cursor: string | undefined, parts: number): string[] | undefined {
  if (cursor === undefined) return undefined;
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(key) && key.length === parts && key.every((k) => typeof k === 'string' && !k.includes('\u0000'))) return key;
  } catch {
    // fall through
  }
  throw new AppError('validation_failed', 'The cursor is not valid');
}

/** Cuts one extra row fetched to learn whether there is a next page. */
export function pageOf<T>(rows: T[], limit: number, keyOf: (row: T) => string[]): { items: T[]; nextCursor: string | null } {
  if (rows.length <= limit) return { items: rows, nextCursor: null };
  const items = rows.slice(0, limit);
  return { items, nextCursor: encodeCursor(keyOf(items[items.length - 1])) };
}
