export * from './startup-checks';
export * from './reachability';
export * from './graceful-shutdown';
export * from './run-main';
export * from './micro-batcher';
export * from './map-concurrently';
export * from './close-in-stages';
export * from './close-http-server';
