/** @module zod schemas of the hub's HTTP API, shared by the hub (validation, OpenAPI) and its clients. */
export * from './common';
export * from './permissions';
export * from './auth';
export * from './orgs';
export * from './employees';
export * from './devices';
export * from './faces';
export * from './schedules';
export * from './policies';
export * from './reports';
export * from './leave';
export * from './teams';
export * from './projects';
export * from './adjustments';
export * from './timesheets';
export * from './time';
