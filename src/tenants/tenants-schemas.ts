import { Type, type Static } from 'typebox';
import { Name, Strict, Timestamp, Uid } from '../http/schemas.js';

export const TenantSchema = Type.Object({ uid: Uid, name: Type.String(), createdAt: Timestamp }, { $id: 'Tenant', description: 'A merchant' });
export type Tenant = Static<typeof TenantSchema>;

export const CreateTenantBody = Strict({ uid: Type.Optional(Uid), name: Name });
export type CreateTenantInput = Static<typeof CreateTenantBody>;

export const UpdateTenantBody = Strict({ name: Name });
