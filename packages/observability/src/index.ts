export * from './logger';
export * from './fault-log';
export * from './outage-watch';
export * from './infrastructure-errors';
