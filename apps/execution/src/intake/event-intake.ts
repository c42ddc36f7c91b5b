import type pg from 'pg';
import { MicroBatcher } from '@mc/batching';
import { coerceError, isError, newEventId, uuidv7, type EventKind, type EventStatus } from '@mc/domain';
import { ctxJsonOf, type EventInput } from '@mc/contract';
import { FaultLog, isTransientInfrastructureError, type Logger } from '@mc/observability';
import type { ExecutionMetrics } from '../metrics/execution-metrics';
import { externalIdKey, findEventsByExternalIds, type ExistingEventRef } from '../sql/find-events-by-external-ids';
import { insertEvents, type NewEventRow } from '../sql/insert-events';
import { dispatchEvents, type EventQueues } from './event-dispatch';
import { BATCH_CHUNK_SIZE } from '../queues';

export interface AcceptedEvent {
  id: string;
  kind: EventKind;
  /** `pending` when created; the existing event's status otherwise. */
  status: EventStatus;
  /** `false` when the producer already had an event with this `externalId` (nothing was created). */
  created: boolean;
  /** Its numeric id (a bigint, as text): what SOAP producers get. */
  plId: string;
}

export interface EventIntakeOptions {
  pool: pg.Pool;
  queues: EventQueues;
  logger: Logger;
  /** Real-time events stored in one INSERT at most; default 500. */
  maxGroupSize?: number;
  metrics?: ExecutionMetrics;
  /** Sees infrastructure errors (the outage watch). */
  observe?: (error: unknown) => void;
}

/** What a Campaign Classic producer sent beside our fields (SOAP intake). */
export interface EventOrigin {
  /** The event element's attributes without a field of ours (`origin`, `language`, …). */
  attributes: Record<string, string>;
  /** The `<ctx>` XML as received. */
  ctxXml: string | null;
}

/** A new event's row; until it is put in a job with others, it is its own job. */
function toRow(input: EventInput, producer: string, kind: EventKind, origin?: EventOrigin): NewEventRow {
  const id = newEventId();
  return {
    id,
    producer,
    kind,
    type: input.type,
    channel: input.channel,
    email: input.email ?? null,
    mobilePhone: input.mobilePhone ?? null,
    externalId: input.externalId ?? null,
    ctxJson: ctxJsonOf(input.ctx),
    scheduledAt: input.scheduledAt ?? null,
    expiresAt: input.expiresAt ?? null,
    jobId: id,
    accAttributesJson: origin && Object.keys(origin.attributes).length > 0 ? JSON.stringify(origin.attributes) : null,
    ctxXml: origin?.ctxXml ?? null,
  };
}

/**
 * Durable intake: an event is committed to PostgreSQL before it is acknowledged, then queued.
 *
 * Real-time events arriving together are stored together: each request waits for the current
 * turn of the event loop to end, and everything that arrived meanwhile is inserted in one
 * statement and queued in one Redis round trip (group commit). Each request still gets its own
 * answer, and one commit covers all of them, which is what lets intake run near the speed of
 * a bare `queue.add`.
 *
 * When Redis is away after the commit the event is still acknowledged: it is safe in PostgreSQL
 * and the pending-events reconciler queues it once Redis is back.
 */
export class EventIntake {
  private readonly realtime: MicroBatcher<NewEventRow, AcceptedEvent>;

  private readonly faults: FaultLog;

  constructor(private readonly options: EventIntakeOptions) {
    this.faults = new FaultLog(options.logger);
    this.realtime = new MicroBatcher((rows) => this.storeGroup(rows), { maxSize: options.maxGroupSize ?? 500 });
  }

  /** Accepts one real-time event of `producer` (the producer of the API key that sent it). */
  acceptRealtime(input: EventInput, producer: string, origin?: EventOrigin): Promise<AcceptedEvent> {
    return this.realtime.submit(toRow(input, producer, 'rt', origin));
  }

  /** Stores a whole batch of `producer` in one statement; ids come back in request order. */
  acceptBatch(inputs: readonly EventInput[], producer: string): Promise<AcceptedEvent[]> {
    return this.acceptAll(
      inputs.map((input) => ({ kind: 'batch' as const, input })),
      producer,
    );
  }

  /**
   * Events of one call stored together, all or none, whatever their kinds (a SOAP PushEvents may
   * mix real-time and batch events); ids come back in call order.
   */
  async acceptAll(events: ReadonlyArray<{ kind: EventKind; input: EventInput; origin?: EventOrigin }>, producer: string): Promise<AcceptedEvent[]> {
    // Each chunk of the request (of one kind) is a job of its own.
    const results = await this.store(inJobs(events.map((event) => toRow(event.input, producer, event.kind, event.origin)), () => uuidv7()));
    const failed = results.find(isError);
    if (failed) throw failed;
    return results as AcceptedEvent[];
  }

  /** Waits for every accepted event to be stored and queued. */
  drain(): Promise<void> {
    return this.realtime.drain();
  }

  /**
   * One statement for the whole group; if PostgreSQL refuses it for a reason that is not passing
   * (a row it cannot store), each row is tried alone so that only its own request fails.
   */
  private async storeGroup(rows: NewEventRow[]): Promise<Array<AcceptedEvent | Error>> {
    try {
      // One job per group, named after its first event: a lone event's job is its own id.
      return await this.store(inJobs(rows, (first) => first.id));
    } catch (thrown) {
      if (rows.length === 1 || isTransientInfrastructureError(thrown)) throw thrown;
      // Alone, each row is its own job (as `toRow` made it).
      return Promise.all(rows.map((row) => this.store([row]).then((results) => results[0] as AcceptedEvent | Error, coerceError)));
    }
  }

  /**
   * Commit, queue, answer. Once the INSERT has committed, nothing may turn its rows into an
   * error answer: queueing failures are left to the reconciler, and only the duplicates (whose
   * existing event must be looked up) can still fail, each on its own.
   */
  private async store(rows: NewEventRow[]): Promise<Array<AcceptedEvent | Error>> {
    const { pool, queues } = this.options;
    const inserted = await insertEvents(pool, rows);
    const fresh = rows.filter((row) => inserted.has(row.id));
    if (fresh.length > 0) this.options.metrics?.accepted.inc({ kind: fresh[0]?.kind }, fresh.length);
    try {
      await dispatchEvents(queues, fresh);
    } catch (thrown) {
      this.options.observe?.(thrown);
      // Redis is away: one line per interval with a count, not one per request.
      this.faults.report('not-queued', 'events stored but not queued; the pending-events reconciler will queue them', {
        count: fresh.length,
        error: coerceError(thrown).message,
      });
    }
    const duplicates = rows.filter((row) => !inserted.has(row.id));
    let existing: Map<string, ExistingEventRef> | Error = new Map();
    if (duplicates.length > 0) {
      const keys = duplicates.map((row) => ({ producer: row.producer, externalId: row.externalId as string }));
      existing = await findEventsByExternalIds(pool, keys).catch(coerceError);
    }
    return rows.map((row): AcceptedEvent | Error => {
      const plId = inserted.get(row.id);
      if (plId !== undefined) return { id: row.id, kind: row.kind, status: 'pending', created: true, plId };
      if (isError(existing)) return existing;
      const found = existing.get(externalIdKey(row.producer, row.externalId as string));
      return found ? { ...found, created: false } : new Error('an event with this externalId vanished during intake');
    });
  }
}

/**
 * Puts rows stored together in jobs: chunks of at most BATCH_CHUNK_SIZE events of one kind
 * sharing one `scheduledAt` (so a chunk's job can be delayed until then), in their order;
 * `jobIdOf` names each chunk from its first row.
 */
function inJobs(rows: readonly NewEventRow[], jobIdOf: (first: NewEventRow) => string): NewEventRow[] {
  const jobs = new Array<NewEventRow>(rows.length);
  const bySchedule = new Map<string, number[]>();
  rows.forEach((row, index) => {
    const key = `${row.kind}|${row.scheduledAt?.getTime() ?? 0}`;
    const indexes = bySchedule.get(key);
    if (indexes) indexes.push(index);
    else bySchedule.set(key, [index]);
  });
  for (const indexes of bySchedule.values()) {
    for (let start = 0; start < indexes.length; start += BATCH_CHUNK_SIZE) {
      const chunk = indexes.slice(start, start + BATCH_CHUNK_SIZE);
      const jobId = jobIdOf(rows[chunk[0] as number] as NewEventRow);
      for (const index of chunk) jobs[index] = { ...(rows[index] as NewEventRow), jobId };
    }
  }
  return jobs;
}
