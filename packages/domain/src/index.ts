export * from './durations';
export * from './ids';
export * from './event-status';
export * from './storable';
export * from './errors';
export * from './coerce-error';
export * from './env';
export * from './secret-box';
