import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { coerceError, type Logger } from '@mc/domain';
import { linkEvents, type LinkingContext } from './event-linking';
import { expirePendingEvents } from './event-linking-store';

export interface LinkingJobContext extends LinkingContext {
  logger: Logger;
}

export interface LinkingJobResult {
  linked: number;
  notTakenIntoAccount: number;
  expired: number;
}

/**
 * One linking job, real-time or batch: link its events; if it ran before its events' `scheduledAt`
 * (a job promoted by hand, a clock ahead), put it back until then; if it fails for good (data it
 * can never process, or its last attempt), its still-pending events become `expired` with the
 * reason, so no event is left pending forever behind a dead job.
 */
export async function runLinkingJob(
  context: LinkingJobContext,
  eventIds: readonly string[],
  job: Job,
  token: string | undefined,
): Promise<LinkingJobResult> {
  const attempt = job.attemptsMade + 1;
  try {
    const outcome = await linkEvents(context, eventIds, attempt);
    if (outcome.notDue.until && token) {
      await job.moveToDelayed(outcome.notDue.until.getTime(), token);
      throw new DelayedError();
    }
    context.logger.debug('events linked', {
      queue: job.queueName,
      jobId: job.id,
      eventIds: eventIds.length === 1 ? eventIds[0] : undefined,
      linked: outcome.linked.length,
      notTakenIntoAccount: outcome.notTakenIntoAccount.length,
      expired: outcome.expired.length,
    });
    return { linked: outcome.linked.length, notTakenIntoAccount: outcome.notTakenIntoAccount.length, expired: outcome.expired.length };
  } catch (thrown) {
    if (thrown instanceof DelayedError) throw thrown;
    const error = coerceError(thrown);
    const lastAttempt = thrown instanceof UnrecoverableError || attempt >= (job.opts.attempts ?? 1);
    if (lastAttempt) {
      await expirePendingEvents(context.pool, eventIds, `processing failed after ${attempt} attempt(s): ${error.message}`).catch(
        (expireError: unknown) =>
          context.logger.error('could not expire the events of a failed job', {
            queue: job.queueName,
            jobId: job.id,
            error: coerceError(expireError).message,
          }),
      );
    }
    throw error;
  }
}
