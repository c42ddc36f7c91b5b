export * from './startup-checks';
export * from './graceful-shutdown';
export * from './run-main';
export * from './close-in-stages';
export * from './close-http-server';
