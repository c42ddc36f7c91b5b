export * from './events';
export * from './templates';
export * from './archive';
export * from './producer-api';
export * from './openapi';
export * from './idempotency';
export * from './webhooks';
