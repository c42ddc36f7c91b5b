export * from './test-env';
export * from './test-database';
export * from './wait-for';
export * from './redis-prefix';
export * from './test-logger';
export * from './execution-harness';
export * from './fixtures';
export * from './sms-provider';
