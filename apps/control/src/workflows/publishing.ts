import type pg from 'pg';
import { type Worker, UnrecoverableError, type Job } from 'bullmq';
import { coerceError, type SecretBox } from '@mc/domain';
import { type Logger } from '@mc/observability';
import { loadEndpoint } from '../accounts/execution-instances';
import type { ControlPrisma } from '@mc/db';
import { createCatalogWorker, type WorkerOptions } from '@mc/queues';
import { ExecutionCallError, ExecutionClient, type ExecutionCallOptions } from '../execution-client';
import { QUEUES, type ControlQueue } from '../queues';
import { lockPublication } from '../sql/lock-publication';
import { unlockPublication } from '../sql/unlock-publication';

export interface PublishingContext {
  prisma: ControlPrisma;
  /** Connections for the per-(template, instance) lock that keeps two publishing jobs from crossing (one per running job). */
  lockPool: pg.Pool;
  logger: Logger;
  calls: ExecutionCallOptions;
  /** Opens the accounts' sealed credentials. */
  secrets: SecretBox;
}

/** Queues the jobs that make these instances match the template's publication. */
export async function enqueuePublications(queue: ControlQueue<'publishing'>, templateName: string, instances: readonly string[]): Promise<void> {
  const stamp = Date.now();
  await queue.addBulk(
    instances.map((instance) => ({
      name: templateName,
      data: { templateName, instance },
      // A new job per change: an older one still retrying reads the current publication anyway.
      opts: { jobId: `publish-${templateName}-${instance}-${stamp}` },
    })),
  );
}

/**
 * `publishing`: makes one execution instance match one template's publication as it is *now*
 * (a late retry of an older job pushes the current version, which the instance accepts only if
 * newer). Retried until it lands; an answer that can never succeed (a 4xx other than 408/429)
 * fails it for good. The state per instance is kept on the publication.
 */
export async function runPublication(context: PublishingContext, templateName: string, instance: string, job: Job): Promise<string> {
  // Jobs for one (template, instance) take turns: a late PUT can never land after a DELETE that
  // followed it. Whoever holds the lock applies the publication as it is when it gets it.
  const lock = await context.lockPool.connect();
  try {
    await lockPublication(lock, templateName, instance);
    return await applyPublication(context, templateName, instance, job);
  } finally {
    await unlockPublication(lock, templateName, instance).catch(() => undefined);
    lock.release();
  }
}

async function applyPublication(context: PublishingContext, templateName: string, instance: string, job: Job): Promise<string> {
  const { prisma } = context;
  const [publication, endpoint] = await Promise.all([
    prisma.publication.findUnique({ where: { templateName_instance: { templateName, instance } } }),
    loadEndpoint(prisma, context.secrets, instance),
  ]);
  if (!publication || !endpoint) return 'nothing to do';
  const client = new ExecutionClient(endpoint, context.calls);
  const mark = (data: { state?: 'done' | 'failed'; lastError?: string | null }) =>
    prisma.publication.updateMany({
      where: { templateName, instance, action: publication.action, version: publication.version },
      data: { ...data, attempts: { increment: 1 }, updatedAt: new Date() },
    });
  try {
    if (publication.action === 'publish') {
      const version = await prisma.templateVersion.findUniqueOrThrow({ where: { templateName_version: { templateName, version: publication.version } } });
      await client.publishTemplate(templateName, {
        version: version.version,
        eventType: version.eventType,
        channel: version.channel,
        subject: version.subject,
        html: version.html,
        text: version.text,
        from: version.from,
        replyTo: version.replyTo,
        listUnsubscribe: version.listUnsubscribe,
      });
    } else {
      await client.unpublishTemplate(templateName);
    }
    await mark({ state: 'done', lastError: null });
    return `${publication.action} v${publication.version} on ${instance}`;
  } catch (thrown) {
    const message = coerceError(thrown).message;
    const permanent = thrown instanceof ExecutionCallError && thrown.status !== undefined && thrown.status >= 400 && thrown.status < 500 && thrown.status !== 408 && thrown.status !== 429;
    const last = permanent || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    await mark({ ...(last ? { state: 'failed' as const } : {}), lastError: message });
    context.logger.warn('publication failed', { queue: 'publishing', templateName, instance, attempt: job.attemptsMade + 1, error: message });
    throw permanent ? new UnrecoverableError(message) : thrown;
  }
}

/**
 * At start: publications not `done` (queued jobs lost with Redis, a crash between commit and
 * enqueue, given up after all retries) are queued again.
 */
export async function resumeUnfinishedPublications(prisma: ControlPrisma, queue: ControlQueue<'publishing'>): Promise<void> {
  const unfinished = await prisma.publication.findMany({ where: { state: { not: 'done' } }, select: { templateName: true, instance: true } });
  const byTemplate = new Map<string, string[]>();
  for (const { templateName, instance } of unfinished) byTemplate.set(templateName, [...(byTemplate.get(templateName) ?? []), instance]);
  for (const [templateName, instances] of byTemplate) await enqueuePublications(queue, templateName, instances);
}

export function startPublishingWorker(context: PublishingContext, options: WorkerOptions): Worker {
  return createCatalogWorker(QUEUES.publishing, (data, job) => runPublication(context, data.templateName, data.instance, job), options);
}
