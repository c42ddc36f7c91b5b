import { AppError, UUID_PATTERN } from '@mc/domain';
import type { ListEventsQuery } from '@mc/contract';
import type { ExecutionPrisma } from '@mc/db';


const EVENT_FIELDS = {
  id: true,
  plId: true,
  producer: true,
  kind: true,
  type: true,
  channel: true,
  email: true,
  mobilePhone: true,
  externalId: true,
  ctx: true,
  accAttributes: true,
  ctxXml: true,
  status: true,
  statusReason: true,
  templateName: true,
  templateVersion: true,
  attempts: true,
  scheduledAt: true,
  expiresAt: true,
  createdAt: true,
  updatedAt: true,
  linkedAt: true,
} as const;

const DELIVERY_FIELDS = {
  id: true,
  channel: true,
  status: true,
  recipient: true,
  templateName: true,
  templateVersion: true,
  attempts: true,
  lastError: true,
  providerMessageId: true,
  createdAt: true,
  updatedAt: true,
  sentAt: true,
  nextAttemptAt: true,
  feedback: { select: { kind: true, status: true, detail: true, receivedAt: true }, orderBy: { receivedAt: 'asc' } },
} as const;

type EventRow = { plId: bigint; templateName: string | null; templateVersion: number | null } & Record<string, unknown>;

/** A numeric event id (`plId`), as the API takes it: 1 to 18 digits. */
export const PL_ID_PATTERN = /^[1-9]\d{0,17}$/;

/** The public shape of an event: the template as one `{name, version}` (null until linked), `plId` a JSON number. */
function toView<T extends EventRow>({ templateName, templateVersion, plId, ...rest }: T) {
  return {
    ...rest,
    plId: Number(plId),
    template: templateName !== null && templateVersion !== null ? { name: templateName, version: templateVersion } : null,
  };
}

/** Whose events a reader sees: one producer's, or (no producer) everyone's. */
export interface EventReader {
  producer?: string;
}

/** One event with its delivery logs, by its UUID or its numeric `plId`; another producer's event is not found. */
export async function getEvent(prisma: ExecutionPrisma, id: string, reader: EventReader) {
  const where = UUID_PATTERN.test(id) ? { id } : PL_ID_PATTERN.test(id) ? { plId: BigInt(id) } : undefined;
  if (!where) throw new AppError('not_found', `No event ${id}.`);
  const event = await prisma.event.findFirst({
    where: { ...where, producer: reader.producer },
    select: { ...EVENT_FIELDS, deliveries: { select: DELIVERY_FIELDS, orderBy: { createdAt: 'asc' } } },
  });
  if (!event) throw new AppError('not_found', `No event ${id}.`);
  return toView(event);
}

/** The reader's events, newest first; `nextCursor` is null on the last page. */
export async function listEvents(prisma: ExecutionPrisma, query: ListEventsQuery, reader: EventReader) {
  if (reader.producer !== undefined && query.producer !== undefined && query.producer !== reader.producer) {
    return { items: [], nextCursor: null };
  }
  const rows = await prisma.event.findMany({
    where: {
      producer: reader.producer ?? query.producer,
      status: query.status,
      type: query.type,
      externalId: query.externalId,
      ...(query.cursor ? { id: { lt: query.cursor } } : {}),
    },
    select: EVENT_FIELDS,
    orderBy: { id: 'desc' },
    take: query.limit + 1,
  });
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  return {
    items: page.map(toView),
    nextCursor: rows.length > query.limit && last ? Buffer.from(last.id).toString('base64url') : null,
  };
}
