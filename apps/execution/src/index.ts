/**
 * The execution instance's public entry: what a process, a launcher, a bench or a test of the
 * whole system may use. Everything else under src/ is internal to this app.
 */
export { startExecutionInstance, type ExecutionInstance } from './execution-instance';
export { executionEnvSchema, readExecutionEnv, type ExecutionEnv } from './env';
export { dkimKey, dkimSign, type DkimKey } from './delivery/dkim';
