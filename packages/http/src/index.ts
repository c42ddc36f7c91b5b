export * from './problem-middleware';
export * from './bearer-auth';
export * from './json-body';
export * from './rate-limit';
export * from './admin-dashboard';
export * from './health-routes';
export * from './http-server';
export * from './base-app';
