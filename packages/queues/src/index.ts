export * from './redis-connection';
export * from './catalog-queues';
export * from './queue-metrics';
export * from './scheduled-workflow';
export * from './scheduler-keeper';
