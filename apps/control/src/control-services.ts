import type pg from 'pg';
import type { Redis } from 'ioredis';
import type { ControlPrisma } from '@mc/db';
import type { Logger } from '@mc/observability';
import type { SecretBox } from '@mc/domain';
import { TemplateRenderer } from '@mc/templates';
import type { ArchivingContext } from './workflows/archiving';
import type { ExecutionCallOptions } from './execution-client';
import type { ControlQueue } from './queues';
import type { ControlMetrics } from './control-metrics';

/** What the control instance's routes and workflows share. */
export interface ControlServices {
  prisma: ControlPrisma;
  pool: pg.Pool;
  redis: Redis;
  logger: Logger;
  renderer: TemplateRenderer;
  queues: { publishing: ControlQueue<'publishing'>; archiving: ControlQueue<'archiving'> };
  archiving: ArchivingContext;
  archiveEveryMs: number;
  /** Seals and opens the execution-instance credentials stored on control. */
  secrets: SecretBox;
  /** How control calls the execution instances (timeout, allow-list). */
  calls: ExecutionCallOptions;
  /** What `/metrics` serves, and the workers' job counter. */
  metrics: ControlMetrics;
  /** How long publish/unpublish wait for the instances' answers before reporting `pending` (ms). */
  publishWaitMs: number;
}
