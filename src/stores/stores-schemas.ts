import { Type, type Static } from 'typebox';
import { Name, Strict, Timestamp, Uid } from '../http/schemas.js';

export const StoreSchema = Type.Object({ uid: Uid, name: Type.String(), createdAt: Timestamp }, { $id: 'Store', description: 'A location of a tenant' });
export type Store = Static<typeof StoreSchema>;

export const CreateStoreBody = Strict({ uid: Type.Optional(Uid), name: Name });
export type CreateStoreInput = Static<typeof CreateStoreBody>;

export const UpdateStoreBody = Strict({ name: Name });

export const StoreParams = Strict({ tenantUid: Uid, storeUid: Uid });
