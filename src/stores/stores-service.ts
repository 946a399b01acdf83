import type { Clock } from '../clock.js';
import { newUid } from '../crypto/tokens.js';
import type { Db } from '../db/database.js';
import { isUniqueViolation } from '../db/dialect.js';
import type { StoreRow } from '../db/tables.js';
import { AppError } from '../errors.js';
import { decodeCursor, pageOf } from '../http/pagination.js';
import { atLeast } from '../members/roles.js';
import type { AccessGrant } from '../sessions/sessions-service.js';
import type { CreateStoreInput, Store } from './stores-schemas.js';
import { findExistingStoreUids, insertStore, listStores } from './stores-store.js';

export function toStore(row: StoreRow): Store {
  return { uid: row.uid, name: row.name, createdAt: row.created_at };
}

/** Throws 422 `unknown_store` unless every uid is a store of the tenant. */
export async function requireStores(db: Db, tenantUid: string, uids: readonly string[]): Promise<void> {
  if (uids.length === 0) return;
  const existing = await findExistingStoreUids(db, tenantUid, [...uids]);
  const missing = uids.filter((uid) => !existing.has(uid));
  if (missing.length > 0) throw new AppError('unknown_store', `Not a store of this tenant: ${missing.join(', ')}`);
}

export class StoresService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /** Any member reads the tenant's stores. */
  async list(grant: AccessGrant, limit: number, cursor: string | undefined) {
    const after = decodeCursor(cursor, 1)?.[0];
    const page = pageOf(await listStores(this.db, grant.tenantUid, limit, after), limit, (s) => [s.uid]);
    return { items: page.items.map(toStore), nextCursor: page.nextCursor };
  }

  /** Admins create stores; 409 `conflict` when the uid is taken in the tenant. */
  async create(grant: AccessGrant, input: CreateStoreInput): Promise<Store> {
    if (!atLeast(grant.role, 'admin')) throw new AppError('forbidden', 'Only admins and owners manage stores');
    const now = this.clock.now().toISOString();
    const row: StoreRow = { tenant_uid: grant.tenantUid, uid: input.uid ?? newUid(), name: input.name, created_at: now, updated_at: now };
    try {
      await insertStore(this.db, row);
    } catch (error) {
      if (isUniqueViolation(error)) throw new AppError('conflict', `The store uid "${row.uid}" is taken in this tenant`);
      throw error;
    }
    return toStore(row);
  }
}
