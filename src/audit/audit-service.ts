import type { Clock } from '../clock.js';
import { newUid } from '../crypto/tokens.js';
import type { Db } from '../db/database.js';
import type { AuditEventRow } from '../db/tables.js';
import { AppError } from '../errors.js';
import { decodeCursor, pageOf } from '../http/pagination.js';
import { atLeast } from '../members/roles.js';
import type { AccessGrant } from '../sessions/sessions-service.js';
import type { AuditEvent, AuditQueryType } from './audit-schemas.js';
import { insertAuditEvent, listAuditEvents, purgeAuditEvents } from './audit-store.js';

/** Where a request came from, recorded with what it did. */
export interface RequestOrigin {
  ip: string | null;
  userAgent: string | null;
}

export interface Actor {
  type: 'member' | 'device' | 'user' | 'anonymous';
  uid: string | null;
}

export interface AuditEntry {
  tenantUid: string;
  action: string;
  actor: Actor;
  origin: RequestOrigin;
  target?: { type: string; uid: string };
  /** Field names, reasons, codes: never the value of a secret. */
  details?: Record<string, unknown>;
}

/**
 * The audit trail. Successes are recorded in the transaction of the change they
 * describe; refusals are recorded on their own after the refused change was
 * rolled back, so a failure never leaves a half-written change.
 */
export class AuditService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly retentionDays: number,
  ) {}

  /** Records a success inside the caller's transaction. */
  async record(tx: Db, entry: AuditEntry): Promise<void> {
    await insertAuditEvent(tx, this.toRow(entry, 'success'));
  }

  /**
   * Runs `work`; when it is refused with a client error, records the refusal
   * with its code, then rethrows.
   */
  async refusals<T>(entry: AuditEntry, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof AppError && error.status < 500) {
        await this.recordFailure({ ...entry, details: { ...entry.details, code: error.code } });
      }
      throw error;
    }
  }

  /** Records a refusal on its own. */
  async recordFailure(entry: AuditEntry): Promise<void> {
    await insertAuditEvent(this.db, this.toRow(entry, 'failure'));
  }

  /** A page of the tenant's events, newest first (admins and owners). */
  async list(grant: AccessGrant, query: AuditQueryType) {
    if (!atLeast(grant.role, 'admin')) throw new AppError('forbidden', 'Only admins and owners read the audit trail');
    const tenantUid = grant.tenantUid;
    const limit = query.limit ?? 50;
    const before = decodeCursor(query.cursor, 2) as [string, string] | undefined;
    const rows = await listAuditEvents(
      this.db,
      tenantUid,
      { action: query.action, actorUid: query.actor, from: query.from && iso(query.from), to: query.to && iso(query.to) },
      limit,
      before,
    );
    const page = pageOf(rows, limit, (r) => [r.occurred_at, r.uid]);
    return { items: page.items.map(toAuditEvent), nextCursor: page.nextCursor };
  }

  /** Deletes events older than the retention period. */
  async purge(): Promise<number> {
    const cutoff = new Date(this.clock.now().getTime() - this.retentionDays * 86400_000).toISOString();
    return purgeAuditEvents(this.db, cutoff);
  }

  private toRow(entry: AuditEntry, outcome: 'success' | 'failure'): AuditEventRow {
    return {
      tenant_uid: entry.tenantUid,
      uid: newUid(),
      occurred_at: this.clock.now().toISOString(),
      action: entry.action,
      outcome,
      actor_type: entry.actor.type,
      actor_uid: entry.actor.uid,
      target_type: entry.target?.type ?? null,
      target_uid: entry.target?.uid ?? null,
      ip: entry.origin.ip,
      user_agent: entry.origin.userAgent?.slice(0, 512) ?? null,
      details: JSON.stringify(entry.details ?? {}),
    };
  }
}

function iso(value: string): string {
  return new Date(value).toISOString();
}

function toAuditEvent(row: AuditEventRow): AuditEvent {
  return {
    uid: row.uid,
    occurredAt: row.occurred_at,
    action: row.action,
    outcome: row.outcome as AuditEvent['outcome'],
    actor: { type: row.actor_type as AuditEvent['actor']['type'], uid: row.actor_uid },
    target: row.target_type !== null && row.target_uid !== null ? { type: row.target_type, uid: row.target_uid } : null,
    ip: row.ip,
    userAgent: row.user_agent,
    details: JSON.parse(row.details) as Record<string, unknown>,
  };
}
