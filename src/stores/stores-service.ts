import type { AuditService } from '../audit/audit-service.js';
import type { Clock } from '../clock.js';
import { newUid } from '../crypto/tokens.js';
import type { Db } from '../db/database.js';
import { isUniqueViolation } from '../db/dialect.js';
import type { StoreRow } from '../db/tables.js';
import { AppError } from '../errors.js';
import { decodeCursor, pageOf } from '../http/pagination.js';
import { memberActor } from '../members/members-service.js';
import { atLeast } from '../members/roles.js';
import type { AccessGrant } from '../sessions/sessions-service.js';
import type { CreateStoreInput, Store } from './stores-schemas.js';
import { deleteStore, findExistingStoreUids, findMembersOnlyInStore, findStore, insertStore, listStores, renameStore } from './stores-store.js';

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

/** Stores of a tenant: every member reads them, admins and owners write them. */
export class StoresService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly audit: AuditService,
  ) {}

  async list(grant: AccessGrant, limit: number, cursor: string | undefined) {
    const after = decodeCursor(cursor, 1)?.[0];
    const page = pageOf(await listStores(this.db, grant.tenantUid, limit, after), limit, (s) => [s.uid]);
    return { items: page.items.map(toStore), nextCursor: page.nextCursor };
  }

  async get(grant: AccessGrant, storeUid: string): Promise<Store> {
    const row = await findStore(this.db, grant.tenantUid, storeUid);
    if (!row) throw new AppError('not_found', 'No such store in this tenant');
    return toStore(row);
  }

  /** 409 `conflict` when the uid is taken in the tenant. */
  async create(grant: AccessGrant, input: CreateStoreInput): Promise<Store> {
    const uid = input.uid ?? newUid();
    const entry = { tenantUid: grant.tenantUid, action: 'store.created', actor: memberActor(grant), origin: grant.origin, target: { type: 'store', uid } };
    return this.audit.refusals(entry, async () => {
      this.requireAdmin(grant);
      const now = this.clock.now().toISOString();
      const row: StoreRow = { tenant_uid: grant.tenantUid, uid, name: input.name, created_at: now, updated_at: now };
      try {
        await this.db.transaction().execute(async (tx) => {
          await insertStore(tx, row);
          await this.audit.record(tx, entry);
        });
      } catch (error) {
        if (isUniqueViolation(error)) throw new AppError('conflict', `The store uid "${uid}" is taken in this tenant`);
        throw error;
      }
      return toStore(row);
    });
  }

  async rename(grant: AccessGrant, storeUid: string, name: string): Promise<Store> {
    const entry = { tenantUid: grant.tenantUid, action: 'store.updated', actor: memberActor(grant), origin: grant.origin, target: { type: 'store', uid: storeUid }, details: { fields: ['name'] } };
    return this.audit.refusals(entry, async () => {
      this.requireAdmin(grant);
      return this.db.transaction().execute(async (tx) => {
        const row = await findStore(tx, grant.tenantUid, storeUid);
        if (!row) throw new AppError('not_found', 'No such store in this tenant');
        await renameStore(tx, grant.tenantUid, storeUid, name, this.clock.now().toISOString());
        await this.audit.record(tx, entry);
        return toStore({ ...row, name });
      });
    });
  }

  /**
   * Deletes a store: its devices are unbound, it stops being anyone's default
   * store and drops out of members' store lists. Refused with 409 `conflict` when
   * it is the only store some member may use, since an empty list means all stores.
   */
  async remove(grant: AccessGrant, storeUid: string): Promise<void> {
    const entry = { tenantUid: grant.tenantUid, action: 'store.deleted', actor: memberActor(grant), origin: grant.origin, target: { type: 'store', uid: storeUid } };
    await this.audit.refusals(entry, async () => {
      this.requireAdmin(grant);
      await this.db.transaction().execute(async (tx) => {
        if (!(await findStore(tx, grant.tenantUid, storeUid))) throw new AppError('not_found', 'No such store in this tenant');
        const stranded = await findMembersOnlyInStore(tx, grant.tenantUid, storeUid);
        if (stranded.length > 0) {
          throw new AppError(
            'conflict',
            `The store is the only one these members may use; give them other stores first: ${stranded.slice(0, 20).join(', ')}`,
          );
        }
        await deleteStore(tx, grant.tenantUid, storeUid, this.clock.now().toISOString());
        await this.audit.record(tx, entry);
      });
    });
  }

  private requireAdmin(grant: AccessGrant): void {
    if (!atLeast(grant.role, 'admin')) throw new AppError('forbidden', 'Only admins and owners manage stores');
  }
}
