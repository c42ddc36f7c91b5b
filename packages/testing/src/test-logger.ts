import { createLogger, type Logger } from '@mc/domain';

/** Silent unless TEST_LOGS=1 (then readable, at debug level). */
export function testLogger(service = 'test'): Logger {
  const verbose = process.env.TEST_LOGS === '1';
  return createLogger({ service, silent: !verbose, level: verbose ? 'debug' : 'error', format: 'pretty' });
}
