import type { Db } from '../db/database.js';

export async function findFailureWindow(db: Db, key: string) {
  return db.selectFrom('failure_windows').selectAll().where('key', '=', key).executeTakeFirst();
}

/** Counts one failure for `key`: in the current window, or starting a new one. */
export async function countFailure(db: Db, key: string, now: string, windowStartedAfter: string): Promise<void> {
  await db
    .insertInto('failure_windows')
    .values({ key, failures: 1, window_started_at: now })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet((eb) => {
        const expired = eb('failure_windows.window_started_at', '<', windowStartedAfter);
        return {
          failures: eb.case().when(expired).then(1).else(eb('failure_windows.failures', '+', 1)).end(),
          window_started_at: eb.case().when(expired).then(now).else(eb.ref('failure_windows.window_started_at')).end(),
        };
      }),
    )
    .execute();
}

export async function purgeFailureWindows(db: Db, before: string): Promise<void> {
  await db.deleteFrom('failure_windows').where('window_started_at', '<', before).execute();
}
