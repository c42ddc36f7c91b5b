export * from './redis-connection';
export * from './catalog-queues';
