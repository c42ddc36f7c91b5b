export * from './reachability';
export * from './graceful-shutdown';
