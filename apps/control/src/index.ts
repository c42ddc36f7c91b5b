/**
 * The control instance's public entry: what a process, a launcher, a bench or a test of the whole
 * system may use. Everything else under src/ is internal to this app.
 */
export { startControlInstance, type ControlInstance } from './control-instance';
export { controlEnvSchema, readControlEnv, type ControlEnv } from './env';
/** One archiving pass for one registered execution instance (what its `archive-<name>` job runs). */
export { runArchiving } from './workflows/archiving';
/** Control's client of an execution instance's control API, and the allow-list it checks. */
export { ExecutionClient, isAllowedExecutionUrl } from './execution-client';
/** The control instance's HTTP surface, operation by operation (what `/openapi.json` serves). */
export { CONTROL_API } from './http/api-description';
