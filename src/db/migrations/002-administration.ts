import type { Kysely } from 'kysely';

/** Tenant administration: audit trail, pairing codes, failure windows, invitation user codes. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('audit_events')
    .addColumn('tenant_uid', 'text', (c) => c.notNull())
    .addColumn('uid', 'text', (c) => c.notNull())
    .addColumn('occurred_at', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('actor_type', 'text', (c) => c.notNull())
    .addColumn('actor_uid', 'text')
    .addColumn('target_type', 'text')
    .addColumn('target_uid', 'text')
    .addColumn('ip', 'text')
    .addColumn('user_agent', 'text')
    .addColumn('details', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('audit_events_pk', ['tenant_uid', 'uid'])
    .execute();
  await db.schema.createIndex('audit_events_time_idx').on('audit_events').columns(['tenant_uid', 'occurred_at', 'uid']).execute();
  await db.schema.createIndex('audit_events_purge_idx').on('audit_events').column('occurred_at').execute();

  await db.schema
    .createTable('pairing_codes')
    .addColumn('code_hash', 'text', (c) => c.primaryKey())
    .addColumn('tenant_uid', 'text', (c) => c.notNull().references('tenants.uid').onDelete('cascade'))
    .addColumn('store_uid', 'text')
    .addColumn('created_by_member_uid', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('used_at', 'text')
    .execute();

  await db.schema
    .createTable('failure_windows')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('failures', 'integer', (c) => c.notNull())
    .addColumn('window_started_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('failure_windows_purge_idx').on('failure_windows').column('window_started_at').execute();

  await db.schema.alterTable('invitations').addColumn('user_code', 'text').execute();
  await db.schema.alterTable('invitations').addColumn('language_code', 'text').execute();
  await db.schema.createIndex('invitations_list_idx').on('invitations').columns(['tenant_uid', 'created_at', 'uid']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('invitations_list_idx').execute();
  await db.schema.alterTable('invitations').dropColumn('language_code').execute();
  await db.schema.alterTable('invitations').dropColumn('user_code').execute();
  await db.schema.dropTable('failure_windows').execute();
  await db.schema.dropTable('pairing_codes').execute();
  await db.schema.dropTable('audit_events').execute();
}
