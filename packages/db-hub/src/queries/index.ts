/** @module Query functions: `(db, params)`, params always carrying `orgId` for org-scoped data. */
export * from './users';
export * from './organizations';
export * from './invitations';
export * from './structure';
export * from './audit';
export * from './mail';
export * from './employees';
export * from './devices';
export * from './attendance';
export * from './roster';
export * from './rows';
export * from './visibility';
export * from './projection-queue';
export * from './faces';
export * from './scheduling';
export * from './policies';
export * from './projection';
