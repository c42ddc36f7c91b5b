export * from './database';
export * from './create-database';
export * from './migrate';
export * from './prepare-database';
export * from './execution';
export * from './control';
export * from './unnest-columns';
export * from './reachability';
