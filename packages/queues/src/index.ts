export * from './queue-definition';
export * from './redis-connection';
export * from './catalog-queues';
export * from './queue-metrics';
export * from './scheduled-workflow';
export * from './scheduler-keeper';
export * from './redis-reachability';
export * from './instance-metrics';
