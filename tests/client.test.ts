import { execFile } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { promisify } from 'node:util';
import type { z } from 'zod';
import type { batchAcceptedSchema, eventAcceptedSchema, eventInputSchema, eventPageSchema, eventViewSchema, problemSchema, webhookMessageSchema } from '@mc/contract';
import { listenLocally, orderEvent, templateVersion, TEST_CONTROL_KEY, TEST_PRODUCER_KEY } from '@mc/testing';
import { startSmtpSink, type SmtpSink } from '@mc/smtp-sink';
import { startExecutionHarness, type ExecutionHarness } from '@mc/execution/testing';
import {
  MessageCenterApiError,
  MessageCenterClient,
  MessageCenterNetworkError,
  MessageCenterTimeoutError,
  signWebhook,
  verifyWebhook,
  WebhookVerificationError,
  newWebhookSecret,
  type BatchAccepted,
  type EventAccepted,
  type EventInput,
  type EventPage,
  type EventView,
  type ProblemDetails,
  type WebhookMessage,
} from '@message-center/client';

const run = promisify(execFile);
const CLIENT_DIR = path.join(__dirname, '..', 'packages', 'client');

/*
 * The client's types are written out (the package has no dependency); these lines do not compile
 * unless each is exactly the contract's type, so the two cannot drift apart.
 */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const typesMatchTheContract: [
  Same<EventAccepted, z.output<typeof eventAcceptedSchema>>,
  Same<BatchAccepted, z.output<typeof batchAcceptedSchema>>,
  Same<EventView, z.output<typeof eventViewSchema>>,
  Same<EventPage, z.output<typeof eventPageSchema>>,
  Same<ProblemDetails, z.output<typeof problemSchema>>,
  Same<WebhookMessage, z.output<typeof webhookMessageSchema>>,
  Same<Required<EventInput>, Required<z.input<typeof eventInputSchema>>>,
] = [true, true, true, true, true, true, true];

/** A proxy in front of the instance that the test can make misbehave, recording every request. */
async function startFaultyProxy(upstream: string) {
  const seen: Array<{ method: string; path: string; idempotencyKey?: string; status: number }> = [];
  let fault: ((method: string, path: string, index: number) => 'drop-answer' | { status: number; retryAfter?: string } | undefined) | undefined;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void (async () => {
        const record = { method: req.method ?? 'GET', path: req.url ?? '/', idempotencyKey: req.headers['idempotency-key'] as string | undefined, status: 0 };
        seen.push(record);
        const injected = fault?.(record.method, record.path, seen.length);
        if (injected && injected !== 'drop-answer') {
          record.status = injected.status;
          res.writeHead(injected.status, { 'content-type': 'application/problem+json', ...(injected.retryAfter ? { 'retry-after': injected.retryAfter } : {}) });
          res.end(JSON.stringify({ type: '/problems/unavailable', title: 'Unavailable', status: injected.status, detail: 'injected by the test', code: injected.status === 429 ? 'rate_limited' : 'unavailable' }));
          return;
        }
        const headers = Object.fromEntries(Object.entries(req.headers).filter(([name]) => !['host', 'connection', 'content-length'].includes(name))) as Record<string, string>;
        const answer = await fetch(`${upstream}${record.path}`, { method: record.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined });
        const body = Buffer.from(await answer.arrayBuffer());
        record.status = answer.status;
        // The request reached the instance and was done; its answer is lost on the way back.
        if (injected === 'drop-answer') return void req.socket.destroy();
        res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' }).end(body);
      })();
    });
  });
  const listening = await listenLocally(server);
  return {
    url: listening.baseUrl,
    seen,
    inject(next: typeof fault) {
      fault = next;
      seen.length = 0;
    },
    close: listening.close,
  };
}

describe('@message-center/client against a real instance', () => {
  let smtp: SmtpSink;
  let mc: ExecutionHarness;
  let proxy: Awaited<ReturnType<typeof startFaultyProxy>>;
  let client: MessageCenterClient;
  beforeAll(async () => {
    smtp = await startSmtpSink();
    mc = await startExecutionHarness({ SMTP_URL: smtp.url, UPDATE_EVENT_STATUS_EVERY_MS: '100' });
    await mc.request('PUT', '/api/v1/templates/order-confirmation', templateVersion(), TEST_CONTROL_KEY);
    proxy = await startFaultyProxy(mc.baseUrl);
    client = new MessageCenterClient({ baseUrl: proxy.url, apiKey: TEST_PRODUCER_KEY, retryDelayMs: 10 });
  });
  afterAll(async () => {
    await proxy.close();
    await mc.close();
    await smtp.close();
  });
  const eventsOfType = async (type: string) =>
    (await mc.instance.db.pool.query<{ count: number }>('SELECT count(*)::int AS count FROM events WHERE type = $1', [type])).rows[0]!.count;

  it('its types are the contract’s', () => {
    expect(typesMatchTheContract.every(Boolean)).toBe(true);
  });

  it('when an event is pushed, then waitForStatus returns it sent, with its delivery log', async () => {
    const accepted = await client.pushEvent(orderEvent({ externalId: 'client-1' }) as unknown as EventInput);
    expect(accepted).toMatchObject({ status: 'pending', kind: 'rt' });
    const sent = await client.waitForStatus(accepted.id, ['sent', 'delivery_failed'], { timeoutMs: 20_000, pollIntervalMs: 50 });
    expect(sent).toMatchObject({ id: accepted.id, status: 'sent', externalId: 'client-1', deliveries: [{ status: 'sent', channel: 'email' }] });
    expect(proxy.seen[0]?.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('when 2,500 events are pushed, then they go in batches the server accepts and the ids come back in order', async () => {
    proxy.inject(undefined);
    const events = Array.from({ length: 2_500 }, (_, index) => ({ type: 'CLIENT_BULK', email: `bulk${index}@example.com`, externalId: `bulk-${index}` }));
    const accepted = await client.pushEvents(events, { batchSize: 1_000 });
    expect(accepted).toMatchObject({ accepted: 2_500, duplicates: 0 });
    expect(new Set(accepted.ids).size).toBe(2_500);
    expect(proxy.seen.map((request) => request.path)).toEqual(['/api/v1/events/batch', '/api/v1/events/batch', '/api/v1/events/batch']);
    expect(new Set(proxy.seen.map((request) => request.idempotencyKey)).size).toBe(3);
    for (const index of [0, 999, 1_000, 2_499]) expect((await client.getEvent(accepted.ids[index]!)).externalId).toBe(`bulk-${index}`);
    // And split by size: at most 200 KiB of JSON per request.
    const small = new MessageCenterClient({ baseUrl: proxy.url, apiKey: TEST_PRODUCER_KEY, maxBatchBytes: 200 * 1024 });
    proxy.inject(undefined);
    const big = Array.from({ length: 40 }, (_, index) => ({ type: 'CLIENT_BIG', email: `big${index}@example.com`, ctx: { blob: 'x'.repeat(20_000) } }));
    expect((await small.pushEvents(big)).accepted).toBe(40);
    expect(proxy.seen.length).toBeGreaterThanOrEqual(4);
  });

  it('when events are listed, then the iterator walks every page of the cursor', async () => {
    const seen: string[] = [];
    for await (const event of client.listEvents({ type: 'CLIENT_BULK', limit: 500 })) seen.push(event.externalId ?? '');
    expect(seen).toHaveLength(2_500);
    expect(new Set(seen).size).toBe(2_500);
    expect(seen[0]).toBe('bulk-2499');
  });

  it('when the answer to a push is lost, then the retry with the same Idempotency-Key gets it and no second event is stored', async () => {
    proxy.inject((method, _path, index) => (method === 'POST' && index === 1 ? 'drop-answer' : undefined));
    const accepted = await client.pushEvent({ type: 'CLIENT_LOST_ANSWER', email: 'lost@example.com' });
    expect(proxy.seen.map((request) => request.status)).toEqual([202, 202]);
    expect(proxy.seen[0]?.idempotencyKey).toBe(proxy.seen[1]?.idempotencyKey);
    expect(await eventsOfType('CLIENT_LOST_ANSWER')).toBe(1);
    expect((await client.getEvent(accepted.id)).email).toBe('lost@example.com');

    // The same for a batch, without externalIds.
    proxy.inject((method, _path, index) => (method === 'POST' && index === 1 ? 'drop-answer' : undefined));
    const batch = await client.pushEvents([{ type: 'CLIENT_LOST_BATCH', email: 'a@example.com' }, { type: 'CLIENT_LOST_BATCH', email: 'b@example.com' }]);
    expect(batch.accepted).toBe(2);
    expect(await eventsOfType('CLIENT_LOST_BATCH')).toBe(2);
  });

  it('when the server answers 503 or 429 with Retry-After, then the client waits and tries again', async () => {
    proxy.inject((_method, _path, index) => (index === 1 ? { status: 503, retryAfter: '0' } : index === 2 ? { status: 429, retryAfter: '0' } : undefined));
    const accepted = await client.pushEvent({ type: 'CLIENT_RETRIED', email: 'retry@example.com' });
    expect(proxy.seen.map((request) => request.status)).toEqual([503, 429, 202]);
    expect(new Set(proxy.seen.map((request) => request.idempotencyKey)).size).toBe(1);
    expect(accepted.status).toBe('pending');
  });

  it('when the API refuses, then the error is typed from its problem details and not retried', async () => {
    proxy.inject(undefined);
    const refused = await client.pushEvent({ type: 'CLIENT_BAD', email: 'not an address' }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(MessageCenterApiError);
    expect(refused).toMatchObject({ status: 400, code: 'validation_failed', fieldErrors: [{ path: 'email', message: expect.any(String) }] });
    const stranger = new MessageCenterClient({ baseUrl: proxy.url, apiKey: 'mc_wrong_key_000000000000000000' });
    const unauthorized = await stranger.getEvent('0190f5a2-7b3c-7d4e-8f90-123456789abc').catch((error: unknown) => error);
    expect(unauthorized).toBeInstanceOf(MessageCenterApiError);
    expect(unauthorized).toMatchObject({ status: 401, code: 'unauthorized' });
    expect(proxy.seen).toHaveLength(2);
  });

  it('when nothing answers, then a MessageCenterNetworkError comes after the retries; waitForStatus times out with the last status', async () => {
    const nowhere = new MessageCenterClient({ baseUrl: 'http://127.0.0.1:1', apiKey: TEST_PRODUCER_KEY, retries: 2, retryDelayMs: 1 });
    await expect(nowhere.getEvent('0190f5a2-7b3c-7d4e-8f90-123456789abc')).rejects.toBeInstanceOf(MessageCenterNetworkError);
    const scheduled = await client.pushEvent({ type: 'ORDER_CONFIRMATION', email: 'later@example.com', scheduledAt: new Date(Date.now() + 3_600_000).toISOString() });
    const timedOut = await client.waitForStatus(scheduled.id, 'sent', { timeoutMs: 200, pollIntervalMs: 50 }).catch((error: unknown) => error);
    expect(timedOut).toBeInstanceOf(MessageCenterTimeoutError);
    expect(timedOut).toMatchObject({ lastStatus: 'pending' });
  });

  it('verifies webhooks: a good signature passes, a changed body, an old timestamp or another secret do not', () => {
    const secret = newWebhookSecret();
    const body = JSON.stringify({ type: 'webhook.test' });
    const now = Math.floor(Date.now() / 1000);
    const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': String(now), 'webhook-signature': signWebhook([secret], 'msg_1', now, body) };
    expect(verifyWebhook(body, headers, secret)).toEqual({ type: 'webhook.test' });
    expect(client.verifyWebhook(Buffer.from(body), new Headers(headers), secret)).toEqual({ type: 'webhook.test' });
    expect(() => verifyWebhook(body.replace('test', 'tset'), headers, secret)).toThrow(WebhookVerificationError);
    expect(() => verifyWebhook(body, headers, newWebhookSecret())).toThrow(WebhookVerificationError);
    const old = now - 600;
    expect(() => verifyWebhook(body, { ...headers, 'webhook-timestamp': String(old), 'webhook-signature': signWebhook([secret], 'msg_1', old, body) }, secret)).toThrow(/too far/);
  });

  it('is importable from plain Node.js, CommonJS and ESM, and pushes an event from there', async () => {
    const script = (load: string) =>
      `${load}; new MessageCenterClient({ baseUrl: ${JSON.stringify(mc.baseUrl)}, apiKey: ${JSON.stringify(TEST_PRODUCER_KEY)} })` +
      `.pushEvent({ type: 'CLIENT_PLAIN_NODE', email: 'node@example.com' }).then((answer) => console.log(answer.id));`;
    const cjs = await run(process.execPath, ['-e', script("const { MessageCenterClient } = require('@message-center/client')")], { cwd: CLIENT_DIR });
    const esm = await run(process.execPath, ['--input-type=module', '-e', script("import { MessageCenterClient } from '@message-center/client'")], { cwd: CLIENT_DIR });
    for (const output of [cjs.stdout, esm.stdout]) expect((await mc.request('GET', `/api/v1/events/${output.trim()}`)).body.type).toBe('CLIENT_PLAIN_NODE');
  });

  it('packs into a publishable tarball: built JavaScript and declarations, no sources, no dependencies', async () => {
    const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: CLIENT_DIR });
    const [packed] = JSON.parse(stdout) as Array<{ name: string; files: Array<{ path: string }> }>;
    const files = packed!.files.map((file) => file.path);
    expect(packed!.name).toBe('@message-center/client');
    expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'dist/esm/index.js', 'dist/cjs/index.js', 'dist/types/index.d.ts', 'dist/esm/package.json']));
    expect(files.filter((file) => file.startsWith('src/'))).toEqual([]);
    const manifest = (await import(path.join(CLIENT_DIR, 'package.json'))) as { dependencies?: object; peerDependencies?: object };
    expect([manifest.dependencies, manifest.peerDependencies]).toEqual([undefined, undefined]);
  });
});
