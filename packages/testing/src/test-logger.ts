import { Writable } from 'node:stream';
import winston from 'winston';
import { createLogger, type Logger } from '@mc/observability';

/** Silent unless TEST_LOGS=1 (then readable, at debug level). */
export function testLogger(service = 'test'): Logger {
  const verbose = process.env.TEST_LOGS === '1';
  return createLogger({ service, silent: !verbose, level: verbose ? 'debug' : 'error', format: 'pretty' });
}

/** A JSON logger whose lines are kept in memory, for tests that check what was logged. */
export function capturedLogger(instance?: string): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = createLogger({ service: 'test', format: 'json', ...(instance ? { instance } : {}) });
  logger.clear();
  logger.add(
    new winston.transports.Stream({
      stream: new Writable({
        write(chunk: Buffer, _encoding, callback) {
          lines.push(chunk.toString());
          callback();
        },
      }),
    }),
  );
  return { logger, lines };
}
