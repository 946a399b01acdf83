import type { Db } from '../db/database.js';
import type { TenantRow } from '../db/tables.js';

export async function insertTenant(db: Db, row: TenantRow): Promise<void> {
  await db.insertInto('tenants').values(row).execute();
}
