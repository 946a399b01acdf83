import type { Db } from '../db/database.js';
import { preparedQuery } from '../db/prepared.js';
import type { MemberRow } from '../db/tables.js';

/** A member row with its tenant's name. */
export type MemberWithTenant = MemberRow & { tenant_name: string };

function selectMembers(db: Db) {
  return db
    .selectFrom('members as m')
    .innerJoin('tenants as t', 't.uid', 'm.tenant_uid')
    .selectAll('m')
    .select('t.name as tenant_name');
}

// The lookups of the hot paths (every token use, every login) are prepared once.
const selectMember = preparedQuery((db: Db, tenantUid: string, memberUid: string) =>
  selectMembers(db).where('m.tenant_uid', '=', tenantUid).where('m.uid', '=', memberUid),
);
const selectMemberByUser = preparedQuery((db: Db, tenantUid: string, userUid: string) =>
  selectMembers(db).where('m.tenant_uid', '=', tenantUid).where('m.user_uid', '=', userUid),
);
const selectMemberByUserCode = preparedQuery((db: Db, tenantUid: string, userCode: string) =>
  selectMembers(db).where('m.tenant_uid', '=', tenantUid).where('m.user_code', '=', userCode),
);
export async function findMember(db: Db, tenantUid: string, memberUid: string): Promise<MemberWithTenant | undefined> {
  return (await selectMember(db, tenantUid, memberUid))[0];
}

export async function findMemberByUser(db: Db, tenantUid: string, userUid: string): Promise<MemberWithTenant | undefined> {
  return (await selectMemberByUser(db, tenantUid, userUid))[0];
}

export async function findMemberByUserCode(db: Db, tenantUid: string, userCode: string): Promise<MemberWithTenant | undefined> {
  return (await selectMemberByUserCode(db, tenantUid, userCode))[0];
}

const selectStoreUidsOfMember = preparedQuery((db: Db, tenantUid: string, memberUid: string) =>
  db.selectFrom('member_stores').select('store_uid').where('tenant_uid', '=', tenantUid).where('member_uid', '=', memberUid).orderBy('store_uid'),
);

/** The store uids a member of a tenant may use, sorted ([] means all stores). Prepared: every login runs it. */
export async function findMemberStoreUids(db: Db, tenantUid: string, memberUid: string): Promise<string[]> {
  return (await selectStoreUidsOfMember(db, tenantUid, memberUid)).map((r) => r.store_uid);
}

/** Store uids of each given member of a tenant ([] means all stores), for a page of members. */
export async function listMemberStoreUids(db: Db, tenantUid: string, memberUids: string[]): Promise<Map<string, string[]>> {
  const result = new Map<string, string[]>(memberUids.map((uid) => [uid, []]));
  if (memberUids.length === 0) return result;
  const rows = await db
    .selectFrom('member_stores')
    .select(['member_uid', 'store_uid'])
    .where('tenant_uid', '=', tenantUid)
    .where('member_uid', 'in', memberUids)
    .orderBy('store_uid')
    .execute();
  for (const row of rows) result.get(row.member_uid)?.push(row.store_uid);
  return result;
}

export async function insertMember(db: Db, row: MemberRow): Promise<void> {
  await db.insertInto('members').values(row).execute();
}

export async function setMemberStores(db: Db, tenantUid: string, memberUid: string, storeUids: string[]): Promise<void> {
  await db.deleteFrom('member_stores').where('tenant_uid', '=', tenantUid).where('member_uid', '=', memberUid).execute();
  if (storeUids.length > 0) {
    await db
      .insertInto('member_stores')
      .values(storeUids.map((store_uid) => ({ tenant_uid: tenantUid, member_uid: memberUid, store_uid })))
      .execute();
  }
}

export async function updateMember(
  db: Db,
  tenantUid: string,
  memberUid: string,
  patch: Partial<Omit<MemberRow, 'tenant_uid' | 'uid' | 'user_uid' | 'created_at'>>,
): Promise<void> {
  await db.updateTable('members').set(patch).where('tenant_uid', '=', tenantUid).where('uid', '=', memberUid).execute();
}

export interface MemberFilter {
  role?: string;
  status?: string;
  /** Members who may use this store (listed for it, or allowed all stores). */
  storeUid?: string;
}

/** A page of a tenant's members in uid order after `afterUid`; `limit + 1` rows. */
export async function listMembers(
  db: Db,
  tenantUid: string,
  filter: MemberFilter,
  limit: number,
  afterUid?: string,
): Promise<MemberWithTenant[]> {
  let query = selectMembers(db).where('m.tenant_uid', '=', tenantUid);
  if (filter.role !== undefined) query = query.where('m.role', '=', filter.role);
  if (filter.status !== undefined) query = query.where('m.status', '=', filter.status);
  if (filter.storeUid !== undefined) {
    const storeUid = filter.storeUid;
    const stores = (eb: any) =>
      eb.selectFrom('member_stores as ms').select('ms.store_uid').whereRef('ms.tenant_uid', '=', 'm.tenant_uid').whereRef('ms.member_uid', '=', 'm.uid');
    query = query.where((eb) => eb.or([eb.not(eb.exists(stores(eb))), eb.exists(stores(eb).where('ms.store_uid', '=', storeUid))]));
  }
  if (afterUid !== undefined) query = query.where('m.uid', '>', afterUid);
  return query.orderBy('m.uid').limit(limit + 1).execute();
}

/** Active owners of a tenant other than `exceptMemberUid`. */
export async function countOtherActiveOwners(db: Db, tenantUid: string, exceptMemberUid: string): Promise<number> {
  const row = await db
    .selectFrom('members')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('tenant_uid', '=', tenantUid)
    .where('role', '=', 'owner')
    .where('status', '=', 'active')
    .where('uid', '!=', exceptMemberUid)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function deleteMember(db: Db, tenantUid: string, memberUid: string): Promise<void> {
  await db.deleteFrom('members').where('tenant_uid', '=', tenantUid).where('uid', '=', memberUid).execute();
}

/**
 * Serializes changes to a tenant's membership: a no-op write that takes the
 * tenant row's lock (PostgreSQL) inside an already exclusive transaction (SQLite).
 */
export async function lockTenant(db: Db, tenantUid: string): Promise<void> {
  await db.updateTable('tenants').set((eb) => ({ updated_at: eb.ref('updated_at') })).where('uid', '=', tenantUid).execute();
}
