import type { Kysely } from 'kysely';

/**
 * The initial schema. Portable: text keys, ISO 8601 text timestamps, integers
 * for counters, no booleans. Never edit a landed migration; add a new one.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('users')
    .addColumn('uid', 'text', (c) => c.primaryKey())
    .addColumn('email', 'text')
    .addColumn('display_name', 'text')
    .addColumn('default_tenant_uid', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('identities')
    .addColumn('issuer', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('user_uid', 'text', (c) => c.notNull().references('users.uid').onDelete('cascade'))
    .addColumn('email', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('identities_pk', ['issuer', 'subject'])
    .execute();
  await db.schema.createIndex('identities_user_idx').on('identities').column('user_uid').execute();

  await db.schema
    .createTable('tenants')
    .addColumn('uid', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('stores')
    .addColumn('tenant_uid', 'text', (c) => c.notNull().references('tenants.uid').onDelete('cascade'))
    .addColumn('uid', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('stores_pk', ['tenant_uid', 'uid'])
    .execute();

  await db.schema
    .createTable('members')
    .addColumn('tenant_uid', 'text', (c) => c.notNull().references('tenants.uid').onDelete('cascade'))
    .addColumn('uid', 'text', (c) => c.notNull())
    .addColumn('user_uid', 'text', (c) => c.notNull().references('users.uid').onDelete('cascade'))
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('user_code', 'text')
    .addColumn('password_hash', 'text')
    .addColumn('display_name', 'text')
    .addColumn('email', 'text')
    .addColumn('firstname', 'text')
    .addColumn('lastname', 'text')
    .addColumn('mobile', 'text')
    .addColumn('language_code', 'text')
    .addColumn('default_store_uid', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('members_pk', ['tenant_uid', 'uid'])
    .addUniqueConstraint('members_user_uq', ['tenant_uid', 'user_uid'])
    .addUniqueConstraint('members_user_code_uq', ['tenant_uid', 'user_code'])
    .execute();
  await db.schema.createIndex('members_user_idx').on('members').column('user_uid').execute();

  await db.schema
    .createTable('member_stores')
    .addColumn('tenant_uid', 'text', (c) => c.notNull())
    .addColumn('member_uid', 'text', (c) => c.notNull())
    .addColumn('store_uid', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('member_stores_pk', ['tenant_uid', 'member_uid', 'store_uid'])
    .addForeignKeyConstraint('member_stores_member_fk', ['tenant_uid', 'member_uid'], 'members', ['tenant_uid', 'uid'], (fk) =>
      fk.onDelete('cascade'),
    )
    .addForeignKeyConstraint('member_stores_store_fk', ['tenant_uid', 'store_uid'], 'stores', ['tenant_uid', 'uid'], (fk) =>
      fk.onDelete('cascade'),
    )
    .execute();

  await db.schema
    .createTable('devices')
    .addColumn('tenant_uid', 'text', (c) => c.notNull().references('tenants.uid').onDelete('cascade'))
    .addColumn('uid', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('store_uid', 'text')
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_seen_at', 'text')
    .addColumn('revoked_at', 'text')
    .addPrimaryKeyConstraint('devices_pk', ['tenant_uid', 'uid'])
    .execute();

  await db.schema
    .createTable('access_tokens')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('tenant_uid', 'text', (c) => c.notNull())
    .addColumn('member_uid', 'text', (c) => c.notNull())
    .addColumn('user_uid', 'text', (c) => c.notNull())
    .addColumn('device_uid', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'text')
    .addForeignKeyConstraint('access_tokens_member_fk', ['tenant_uid', 'member_uid'], 'members', ['tenant_uid', 'uid'], (fk) =>
      fk.onDelete('cascade'),
    )
    .execute();
  await db.schema.createIndex('access_tokens_member_idx').on('access_tokens').columns(['tenant_uid', 'member_uid']).execute();
  await db.schema.createIndex('access_tokens_device_idx').on('access_tokens').columns(['tenant_uid', 'device_uid']).execute();
  await db.schema.createIndex('access_tokens_expires_idx').on('access_tokens').column('expires_at').execute();

  await db.schema
    .createTable('invitations')
    .addColumn('tenant_uid', 'text', (c) => c.notNull().references('tenants.uid').onDelete('cascade'))
    .addColumn('uid', 'text', (c) => c.notNull())
    .addColumn('email', 'text')
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('store_uids', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('invited_by_user_uid', 'text')
    .addColumn('invited_by_display_name', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('accepted_at', 'text')
    .addColumn('accepted_by_user_uid', 'text')
    .addColumn('revoked_at', 'text')
    .addPrimaryKeyConstraint('invitations_pk', ['tenant_uid', 'uid'])
    .execute();

  await db.schema
    .createTable('login_throttles')
    .addColumn('tenant_uid', 'text', (c) => c.notNull().references('tenants.uid').onDelete('cascade'))
    .addColumn('user_code', 'text', (c) => c.notNull())
    .addColumn('failures', 'integer', (c) => c.notNull())
    .addColumn('locked_until', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('login_throttles_pk', ['tenant_uid', 'user_code'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'login_throttles',
    'invitations',
    'access_tokens',
    'devices',
    'member_stores',
    'members',
    'stores',
    'tenants',
    'identities',
    'users',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
