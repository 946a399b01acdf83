import { CompiledQuery, type Compilable } from 'kysely';
import type { Db } from './database.js';

/** Stands for the n-th argument while a prepared query is compiled. */
const MARKER = '\u0000prepared-argument-';

type Slot = number | { value: unknown };

/**
 * A query whose shape never changes, built and compiled by Kysely once per
 * database and then only bound to new arguments. Compiling costs more than
 * running such a query on an indexed table (tens of microseconds each), and the
 * hot paths (resolving a token, reading an account) run several per request.
 * `build` receives placeholders in place of the arguments; use each only as a
 * compared value (`where(col, '=', arg)`), never in a list or as an identifier.
 */
export function preparedQuery<Args extends unknown[], Row>(build: (db: Db, ...args: Args) => Compilable<Row>) {
  // Keyed by the database's adapter, which its transactions share: a query run
  // inside a transaction is compiled once too.
  const compiled = new WeakMap<object, { sql: string; slots: Slot[] }>();
  return async (db: Db, ...args: Args): Promise<Row[]> => {
    const key = db.getExecutor().adapter;
    let query = compiled.get(key);
    if (!query) {
      const markers = args.map((_, i) => `${MARKER}${i}`) as Args;
      const { sql, parameters } = build(db, ...markers).compile();
      const slots = parameters.map((p): Slot => (typeof p === 'string' && p.startsWith(MARKER) ? Number(p.slice(MARKER.length)) : { value: p }));
      if (slots.filter((s) => typeof s === 'number').length !== args.length) {
        throw new Error(`prepared query uses its arguments other than once each: ${sql}`);
      }
      query = { sql, slots };
      compiled.set(key, query);
    }
    const parameters = query.slots.map((s) => (typeof s === 'number' ? args[s] : s.value));
    const result = await db.executeQuery<Row>(CompiledQuery.raw(query.sql, parameters));
    return result.rows;
  };
}
