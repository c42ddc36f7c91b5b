export * from './reachability';
export * from './graceful-shutdown';
export * from './run-main';
