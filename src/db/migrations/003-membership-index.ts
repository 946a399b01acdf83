import type { Kysely } from 'kysely';

/**
 * A person's active memberships in order, straight from an index: GET /account
 * reads them on every call and sorted them in a temporary B-tree before.
 * The new index starts with user_uid, so the old one on user_uid alone goes.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('members_user_active_idx').on('members').columns(['user_uid', 'status', 'created_at', 'tenant_uid']).execute();
  await db.schema.dropIndex('members_user_idx').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('members_user_idx').on('members').column('user_uid').execute();
  await db.schema.dropIndex('members_user_active_idx').execute();
}
