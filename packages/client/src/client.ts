import { randomUUID } from 'node:crypto';
import { MessageCenterApiError, MessageCenterNetworkError, MessageCenterTimeoutError } from './errors.ts';
import type { BatchAccepted, EventAccepted, EventFilters, EventInput, EventPage, EventStatus, EventSummary, EventView, ProblemDetails } from './types.ts';
import { verifyWebhook } from './webhook-signature.ts';
import { retryAfterMs } from './retry-after.ts';

export interface MessageCenterClientOptions {
  /** The execution instance, e.g. `https://mc.shop.example` (no trailing `/api/v1`). */
  baseUrl: string;
  /** An API key (`mc_…`) with `events:write` to push, `events:read` to read. */
  apiKey: string;
  /** Tries after the first on network errors, 429, 503 and an Idempotency-Key still in flight; default 5. */
  retries?: number;
  /** The first backoff (ms), doubled each retry with full jitter, unless the server says `Retry-After`; default 200. */
  retryDelayMs?: number;
  /** The longest wait between two tries (ms); default 30,000. */
  maxRetryDelayMs?: number;
  /** One request's time (ms) before it counts as a network error; default 30,000. */
  timeoutMs?: number;
  /** Events per batch request, at most 10,000 (the server's limit); default 5,000. */
  batchSize?: number;
  /** Bytes of JSON per batch request before it is split further; default 8 MiB (the server takes 32 MiB). */
  maxBatchBytes?: number;
  /** A fetch of your own (instrumented, proxied); default the global fetch. */
  fetch?: typeof fetch;
}

const MAX_BATCH = 10_000;
const RETRIED_STATUSES = new Set([429, 503]);

/** One HTTP call as the client makes it. */
interface Call {
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
  /** Sent as `Idempotency-Key`, the same on every retry of the call. */
  idempotencyKey?: string;
}

/**
 * The producers' API of a Message Center execution instance. Every call is retried on network
 * errors, 429 and 503 (honouring `Retry-After`, else exponential backoff with full jitter); every
 * push carries an `Idempotency-Key` of its own, the same on each of its retries, so a retry after
 * a lost answer never stores an event twice.
 */
export class MessageCenterClient {
  private readonly baseUrl: string;
  private readonly options: Required<Omit<MessageCenterClientOptions, 'baseUrl' | 'fetch'>> & { fetch: typeof fetch };

  constructor(options: MessageCenterClientOptions) {
    if (!options.baseUrl || !options.apiKey) throw new TypeError('MessageCenterClient needs a baseUrl and an apiKey.');
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.options = {
      apiKey: options.apiKey,
      retries: options.retries ?? 5,
      retryDelayMs: options.retryDelayMs ?? 200,
      maxRetryDelayMs: options.maxRetryDelayMs ?? 30_000,
      timeoutMs: options.timeoutMs ?? 30_000,
      batchSize: Math.min(options.batchSize ?? 5_000, MAX_BATCH),
      maxBatchBytes: options.maxBatchBytes ?? 8 * 1024 * 1024,
      fetch: options.fetch ?? globalThis.fetch.bind(globalThis),
    };
  }

  /** Pushes one real-time event: `202` stored (or `200`, an `externalId` pushed before: that event). */
  pushEvent(event: EventInput, options: { idempotencyKey?: string } = {}): Promise<EventAccepted> {
    return this.call<EventAccepted>({ method: 'POST', path: '/api/v1/events', body: event, idempotencyKey: options.idempotencyKey ?? randomUUID() });
  }

  /**
   * Pushes any number of batch events, split into requests the server accepts (`batchSize`
   * events, `maxBatchBytes` of JSON), one after the other; ids come back in input order. A
   * request that fails after its retries throws: the requests before it are stored (their
   * `externalId`s make a second run safe).
   */
  async pushEvents(events: readonly EventInput[], options: { batchSize?: number } = {}): Promise<BatchAccepted> {
    const total: BatchAccepted = { accepted: 0, duplicates: 0, ids: [] };
    for (const chunk of this.chunks(events, Math.min(options.batchSize ?? this.options.batchSize, MAX_BATCH))) {
      const answer = await this.call<BatchAccepted>({ method: 'POST', path: '/api/v1/events/batch', body: { events: chunk }, idempotencyKey: randomUUID() });
      total.accepted += answer.accepted;
      total.duplicates += answer.duplicates;
      total.ids.push(...answer.ids);
    }
    return total;
  }

  /** An event with its delivery log. */
  getEvent(id: string): Promise<EventView> {
    return this.call<EventView>({ method: 'GET', path: `/api/v1/events/${encodeURIComponent(id)}` });
  }

  /** Every event matching the filters, newest first, page after page (the server's cursors). */
  async *listEvents(filters: EventFilters = {}): AsyncGenerator<EventSummary, void, undefined> {
    let cursor: string | null = null;
    do {
      const query = new URLSearchParams();
      for (const [name, value] of Object.entries(filters)) if (value !== undefined) query.set(name, String(value));
      if (cursor) query.set('cursor', cursor);
      const page: EventPage = await this.call<EventPage>({ method: 'GET', path: `/api/v1/events?${query.toString()}` });
      yield* page.items;
      cursor = page.nextCursor;
    } while (cursor);
  }

  /** Polls the event until its status is one of `statuses`; `MessageCenterTimeoutError` after `timeoutMs` (default 60 s). */
  async waitForStatus(id: string, statuses: EventStatus | readonly EventStatus[], options: { timeoutMs?: number; pollIntervalMs?: number } = {}): Promise<EventView> {
    const wanted: readonly string[] = typeof statuses === 'string' ? [statuses] : statuses;
    const deadline = Date.now() + (options.timeoutMs ?? 60_000);
    let interval = options.pollIntervalMs ?? 250;
    let last: EventView | undefined;
    for (;;) {
      last = await this.getEvent(id);
      if (wanted.includes(last.status)) return last;
      if (Date.now() + interval > deadline) {
        throw new MessageCenterTimeoutError(`Event ${id} is still ${last.status} (waited for ${wanted.join(' or ')}).`, last.status);
      }
      await sleep(interval);
      interval = Math.min(interval * 1.5, 5_000);
    }
  }

  /** Checks a status webhook (Standard Webhooks) against the endpoint's secret; returns its body. */
  verifyWebhook = verifyWebhook;

  private *chunks(events: readonly EventInput[], size: number): Generator<EventInput[]> {
    let chunk: EventInput[] = [];
    let bytes = 0;
    for (const event of events) {
      const eventBytes = Buffer.byteLength(JSON.stringify(event));
      if (chunk.length > 0 && (chunk.length >= size || bytes + eventBytes > this.options.maxBatchBytes)) {
        yield chunk;
        chunk = [];
        bytes = 0;
      }
      chunk.push(event);
      bytes += eventBytes + 1;
    }
    if (chunk.length > 0) yield chunk;
  }

  private async call<T>(call: Call): Promise<T> {
    const body = call.body === undefined ? undefined : JSON.stringify(call.body);
    for (let attempt = 0; ; attempt++) {
      const last = attempt >= this.options.retries;
      let response: Response;
      let text: string;
      try {
        response = await this.options.fetch(`${this.baseUrl}${call.path}`, {
          method: call.method,
          headers: {
            authorization: `Bearer ${this.options.apiKey}`,
            accept: 'application/json',
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
            ...(call.idempotencyKey ? { 'idempotency-key': call.idempotencyKey } : {}),
          },
          body,
          signal: AbortSignal.timeout(this.options.timeoutMs),
        });
        // Inside the try: a connection reset while the answer is read is a lost answer, retried like one.
        text = await response.text();
      } catch (thrown) {
        if (last) throw new MessageCenterNetworkError(`${call.method} ${call.path}: ${describe(thrown)}`, { cause: thrown });
        await sleep(this.backoff(attempt));
        continue;
      }
      if (response.ok) return (text ? JSON.parse(text) : undefined) as T;
      const retryAfter = retryAfterMs(response.headers.get('retry-after'));
      // 409 with Retry-After: this call's Idempotency-Key is still running server-side (a try that timed out here).
      const retried = RETRIED_STATUSES.has(response.status) || (response.status === 409 && call.idempotencyKey !== undefined && retryAfter !== undefined);
      if (retried && !last) {
        await sleep(Math.min(retryAfter ?? this.backoff(attempt), this.options.maxRetryDelayMs));
        continue;
      }
      throw new MessageCenterApiError(problemOf(response.status, text));
    }
  }

  /** Exponential backoff with full jitter: a random wait up to retryDelayMs × 2^attempt. */
  private backoff(attempt: number): number {
    return Math.random() * Math.min(this.options.retryDelayMs * 2 ** attempt, this.options.maxRetryDelayMs);
  }
}

function problemOf(status: number, text: string): ProblemDetails {
  try {
    const parsed = JSON.parse(text) as Partial<ProblemDetails>;
    if (parsed && typeof parsed.code === 'string' && typeof parsed.detail === 'string') return { ...parsed, status } as ProblemDetails;
  } catch {
    // Not problem details (a proxy's page): described below.
  }
  return { type: 'about:blank', title: `HTTP ${status}`, status, detail: text.slice(0, 200) || `HTTP ${status}`, code: status >= 500 ? 'internal' : 'validation_failed' };
}

function describe(thrown: unknown): string {
  const error = thrown as { name?: string; message?: string; cause?: { message?: string } } | null;
  if (error?.name === 'TimeoutError') return 'no answer in time';
  return error?.cause?.message ?? error?.message ?? String(thrown);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
