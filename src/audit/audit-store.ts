import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { AuditEventRow } from '../db/tables.js';

export async function insertAuditEvent(db: Db, row: AuditEventRow): Promise<void> {
  await db.insertInto('audit_events').values(row).execute();
}

export interface AuditFilter {
  action?: string;
  actorUid?: string;
  from?: string;
  to?: string;
}

/** A page of a tenant's events, newest first, before the cursor key; `limit + 1` rows. */
export async function listAuditEvents(
  db: Db,
  tenantUid: string,
  filter: AuditFilter,
  limit: number,
  before?: [string, string],
): Promise<AuditEventRow[]> {
  let query = db.selectFrom('audit_events').selectAll().where('tenant_uid', '=', tenantUid);
  if (filter.action !== undefined) {
    // A prefix ending in "." selects a family; compared by substring, not LIKE,
    // so that "_" in a prefix means itself on every database.
    query = filter.action.endsWith('.')
      ? query.where(sql`substr(action, 1, ${filter.action.length})`, '=', filter.action)
      : query.where('action', '=', filter.action);
  }
  if (filter.actorUid !== undefined) query = query.where('actor_uid', '=', filter.actorUid);
  if (filter.from !== undefined) query = query.where('occurred_at', '>=', filter.from);
  if (filter.to !== undefined) query = query.where('occurred_at', '<', filter.to);
  if (before !== undefined) {
    const [at, uid] = before;
    query = query.where((eb) => eb.or([eb('occurred_at', '<', at), eb.and([eb('occurred_at', '=', at), eb('uid', '<', uid)])]));
  }
  return query.orderBy('occurred_at', 'desc').orderBy('uid', 'desc').limit(limit + 1).execute();
}

/** Deletes events older than `before`; returns how many. */
export async function purgeAuditEvents(db: Db, before: string): Promise<number> {
  const result = await db.deleteFrom('audit_events').where('occurred_at', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows);
}
