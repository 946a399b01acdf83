import type { Role } from '../http/schemas.js';

const RANK: Record<Role, number> = { owner: 4, admin: 3, manager: 2, staff: 1 };

/** True when `role` is `minimum` or above (owner > admin > manager > staff). */
export function atLeast(role: Role, minimum: Role): boolean {
  return RANK[role] >= RANK[minimum];
}

/**
 * Whether an actor may manage (create, change, remove, invite) members of a role:
 * owners manage everyone, admins everyone but owners, managers only staff.
 */
export function canManageRole(actor: Role, target: Role): boolean {
  if (actor === 'owner') return true;
  if (actor === 'admin') return target !== 'owner';
  if (actor === 'manager') return target === 'staff';
  return false;
}
