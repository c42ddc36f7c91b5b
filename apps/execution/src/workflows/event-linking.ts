import type pg from 'pg';
import { coerceError, newDeliveryLogId } from '@mc/domain';
import type { TemplateRenderer, TemplateVersion } from '@mc/templates';
import type { TemplateVersionCache } from '../templates/published-templates';
import type { ClaimedDelivery, DeliveryLease } from '../sql/rows';
import type { ExecutionMetrics } from '../metrics/execution-metrics';
import { linkEventsToDeliveries, type LinkedDelivery } from '../sql/link-events-to-deliveries';
import { loadEventsToLink, type EventToLink, type PendingEvent } from '../sql/load-events-to-link';
import { markNotTakenIntoAccount } from '../sql/mark-not-taken-into-account';

export interface LinkingContext {
  pool: pg.Pool;
  renderer: TemplateRenderer;
  templates: TemplateVersionCache;
  /** The hold this worker takes on the delivery logs linking creates. */
  lease: DeliveryLease;
  metrics?: ExecutionMetrics;
}

export interface LinkingOutcome {
  /** The delivery logs created, already claimed by this worker. */
  linked: ClaimedDelivery[];
  notTakenIntoAccount: string[];
  expired: string[];
  /** Events whose `scheduledAt` is still ahead, and the latest such time: not processed yet. */
  notDue: { ids: string[]; until: Date | null };
}

function renderScope(event: PendingEvent): Record<string, unknown> {
  return {
    ctx: event.ctx,
    event: {
      id: event.id,
      type: event.type,
      channel: event.channel,
      email: event.email,
      mobilePhone: event.mobilePhone,
      externalId: event.externalId,
      createdAt: event.createdAt.toISOString(),
      scheduledAt: event.scheduledAt?.toISOString() ?? null,
    },
  };
}

/**
 * The heart of `rtEventsProcessing` and `batchEventsProcessing`: links pending events to the
 * published template of their (type, channel), set-based for any number of events, in two
 * statements whatever their number.
 *
 * - `expiresAt` passed → `expired`;
 * - `scheduledAt` ahead → left `pending` and reported in `notDue`;
 * - no published template, or one that fails to render → `not_taken_into_account` with the reason;
 * - otherwise rendered and moved to `pending_delivery` together with a `pending` delivery log.
 *
 * Every change is conditional on `status = 'pending'`, so running it twice is harmless.
 */
export async function linkEvents(
  context: LinkingContext,
  ids: readonly string[],
  attemptOf: (eventId: string) => number = () => 1,
  now = new Date(),
): Promise<LinkingOutcome> {
  const { pool, renderer } = context;
  const { expired, pending } = await loadEventsToLink(pool, ids, 'expired before a template could be linked');

  const due: EventToLink[] = [];
  const notDue: LinkingOutcome['notDue'] = { ids: [], until: null };
  for (const event of pending) {
    if (event.scheduledAt && event.scheduledAt > now) {
      notDue.ids.push(event.id);
      if (!notDue.until || event.scheduledAt > notDue.until) notDue.until = event.scheduledAt;
    } else {
      due.push(event);
    }
  }

  const refs = due.flatMap((event) => (event.templateName !== null && event.templateVersion !== null ? [{ name: event.templateName, version: event.templateVersion }] : []));
  const templates = refs.length > 0 ? await context.templates.get(refs) : new Map<string, TemplateVersion>();

  const rejections: Array<{ id: string; reason: string }> = [];
  const deliveries: LinkedDelivery[] = [];
  for (const event of due) {
    const template = event.templateName === null ? undefined : templates.get(event.templateName);
    if (!template) {
      rejections.push({ id: event.id, reason: `no published template for event type "${event.type}" on channel ${event.channel}` });
      continue;
    }
    try {
      const message = renderer.render(template, renderScope(event));
      deliveries.push({
        deliveryLogId: newDeliveryLogId(),
        eventId: event.id,
        channel: event.channel,
        recipient: (event.channel === 'email' ? event.email : event.mobilePhone) ?? '',
        templateName: template.name,
        templateVersion: template.version,
        ...message,
        attempt: attemptOf(event.id),
      });
    } catch (thrown) {
      rejections.push({
        id: event.id,
        reason: `template "${template.name}" v${template.version} failed to render: ${coerceError(thrown).message}`,
      });
    }
  }

  await markNotTakenIntoAccount(pool, rejections);
  const linked = await linkEventsToDeliveries(pool, deliveries, context.lease);
  if (context.metrics) for (const delivery of linked) context.metrics.receivedToLinked.observe(context.metrics.secondsSince(delivery.eventCreatedAt));
  return { linked, notTakenIntoAccount: rejections.map((rejection) => rejection.id), expired, notDue };
}
