/**
 * `npm run bench:intake`: what the execution instance's HTTP intake sustains (role `api`, spawned
 * from its entry point), each figure beside a same-run baseline:
 *   real-time  POST /api/v1/events under BENCH_CONNECTIONS connections (autocannon) vs a bare
 *              Express + zod + `queue.add` server (intake-baseline.ts);
 *   batch      POST /api/v1/events/batch, BENCH_BATCH_SIZE events a request, vs the same rows
 *              inserted straight into `events` with one unnest INSERT per request (pg);
 *   SOAP       Campaign Classic's nms:rtEvent#PushEvent under the same connections, and
 *              nms:batchEvent#PushEvents of BENCH_SOAP_BATCH_SIZE events, each beside the JSON
 *              intake of the same instance in the same run (the baseline).
 * Knobs: BENCH_DURATION_S (10), BENCH_WARMUP_S (2), BENCH_CONNECTIONS (100), BENCH_BATCHES (20),
 * BENCH_BATCH_SIZE (10,000), BENCH_BATCH_CONCURRENCY (2).
 */
import autocannon from 'autocannon';
import pg from 'pg';
import { BenchRun, fmt, inParallel, intKnob, postEvents, printTable, uuidv7, type App } from './support';

const DURATION_S = intKnob('BENCH_DURATION_S', 10);
const WARMUP_S = intKnob('BENCH_WARMUP_S', 2, 0);
const CONNECTIONS = intKnob('BENCH_CONNECTIONS', 100);
const BATCHES = intKnob('BENCH_BATCHES', 20);
const BATCH_SIZE = intKnob('BENCH_BATCH_SIZE', 10_000);
const BATCH_CONCURRENCY = intKnob('BENCH_BATCH_CONCURRENCY', 2);
const SOAP_BATCH_SIZE = intKnob('BENCH_SOAP_BATCH_SIZE', 1_000);
/** Events per batchEventsProcessing job, as intake chunks them. */
const CHUNK = 500;

interface BatchEvent {
  type: string;
  email: string;
  externalId: string;
  ctx: Record<string, unknown>;
}

const makeBatch = (tag: string): BatchEvent[] =>
  Array.from({ length: BATCH_SIZE }, (_, index) => ({
    type: 'invoice.available',
    email: `customer.${tag}.${index}@example.com`,
    externalId: `${tag}-${index}`,
    ctx: { firstName: 'Ada', invoice: `INV-${tag}-${index}`, amount: (index % 997) + 0.5, locale: 'fr-FR' },
  }));

/** Real-time events/s over DURATION_S, after a warm-up. */
async function realtime(app: App, key: string | undefined, tag: string): Promise<number> {
  if (WARMUP_S > 0) await postEvents(app.url, key, `${tag}-warm`, { connections: CONNECTIONS, duration: WARMUP_S });
  const result = await postEvents(app.url, key, tag, { connections: CONNECTIONS, duration: DURATION_S });
  return result['2xx'] / result.duration;
}

async function postBatch(app: App, key: string, body: string, size = BATCH_SIZE): Promise<void> {
  const response = await fetch(`${app.url}/api/v1/events/batch`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body });
  const answer = (await response.json()) as { accepted?: number };
  if (response.status !== 202 || answer.accepted !== size) throw new Error(`batch answered ${response.status}: ${JSON.stringify(answer).slice(0, 300)}`);
}

const RAW_INSERT = `INSERT INTO events (id, producer, kind, type, channel, email, external_id, ctx, job_id)
  SELECT id, 'bench', 'batch', type, 'email', email, external_id, ctx::jsonb, job_id
  FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS t(id, type, email, external_id, ctx, job_id)
  ON CONFLICT (producer, external_id) DO NOTHING`;

/** The rows intake stores for a batch (ids, a job id per chunk, the serialized ctx), in one statement. */
async function rawInsert(pool: pg.Pool, events: BatchEvent[]): Promise<void> {
  const jobIds: string[] = [];
  for (let index = 0; index < events.length; index += CHUNK) jobIds.push(...new Array<string>(Math.min(CHUNK, events.length - index)).fill(uuidv7()));
  const { rowCount } = await pool.query(RAW_INSERT, [
    events.map(() => uuidv7()),
    events.map((event) => event.type),
    events.map((event) => event.email),
    events.map((event) => event.externalId),
    events.map((event) => JSON.stringify(event.ctx)),
    jobIds,
  ]);
  if (rowCount !== events.length) throw new Error(`raw insert stored ${String(rowCount)} of ${events.length}`);
}

/** A SOAP envelope as ACC producers send it, the credential in `<sessiontoken>` (`login/key`). */
const soapEnvelope = (service: string, method: string, key: string, inner: string) =>
  `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:urn="urn:${service}"><soapenv:Header/><soapenv:Body>` +
  `<urn:${method}><urn:sessiontoken>bench/${key}</urn:sessiontoken>${inner}</urn:${method}></soapenv:Body></soapenv:Envelope>`;
const soapEvent = (root: string, tag: string, id: string) =>
  `<${root} type="invoice.available" email="customer.${tag}.${id}@example.com" wishedChannel="0" externalId="${tag}-${id}" origin="bench">` +
  `<ctx><firstName>Ada</firstName><invoice>INV-${id}</invoice><amount>42.90</amount></ctx></${root}>`;

/** nms:rtEvent#PushEvent events/s over DURATION_S (one event a call), after a warm-up. */
async function soapRealtime(app: App, key: string, tag: string): Promise<number> {
  const load = async (label: string, duration: number) => {
    const result = await autocannon({
      url: `${app.url}/nl/jsp/soaprouter.jsp`,
      method: 'POST',
      headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: '"nms:rtEvent#PushEvent"' },
      body: soapEnvelope('nms:rtEvent', 'PushEvent', key, `<urn:domEvent>${soapEvent('rtEvent', label, '[<id>]')}</urn:domEvent>`),
      idReplacement: true,
      connections: CONNECTIONS,
      duration,
      timeout: 30,
    });
    if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) throw new Error(`PushEvent: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`);
    return result['2xx'] / result.duration;
  };
  if (WARMUP_S > 0) await load(`${tag}-warm`, WARMUP_S);
  return load(tag, DURATION_S);
}

async function soapPushEvents(app: App, body: string): Promise<void> {
  const response = await fetch(`${app.url}/nl/jsp/soaprouter.jsp`, { method: 'POST', headers: { 'content-type': 'text/xml', soapaction: 'nms:batchEvent#PushEvents' }, body });
  const text = await response.text();
  if (response.status !== 200 || !text.includes('<PushEventsResponse')) throw new Error(`PushEvents answered ${response.status}: ${text.slice(0, 300)}`);
}

const run = new BenchRun();
run.run(async () => {
  const databaseUrl = run.database('intake');
  const warm = Array.from({ length: BATCH_CONCURRENCY }, (_, index) => makeBatch(`warm${index}`));
  const batches = Array.from({ length: BATCHES }, (_, index) => makeBatch(`b${index}`));
  const bodies = [...warm, ...batches].map((events) => JSON.stringify({ events }));

  const ours = await run.startExecution(databaseUrl, { MC_ROLE: 'api' });
  const oursRealtime = await realtime(ours, run.apiKey, 'rt');
  await inParallel(warm.length, BATCH_CONCURRENCY, (index) => postBatch(ours, run.apiKey, bodies[index] as string));
  const oursBatchS = await inParallel(BATCHES, BATCH_CONCURRENCY, (index) => postBatch(ours, run.apiKey, bodies[warm.length + index] as string));
  // SOAP, beside the JSON intake of the same instance: real-time, then PushEvents of SOAP_BATCH_SIZE.
  const soapRealtimeRate = await soapRealtime(ours, run.apiKey, 'soap');
  const soapBatches = (BATCHES * BATCH_SIZE) / SOAP_BATCH_SIZE;
  const soapBody = (index: number) =>
    soapEnvelope('nms:batchEvent', 'PushEvents', run.apiKey, `<urn:domEventCollection><domEventCollection>${Array.from({ length: SOAP_BATCH_SIZE }, (_, n) => soapEvent('batchEvent', `sb${index}`, String(n))).join('')}</domEventCollection></urn:domEventCollection>`);
  const soapBodies = Array.from({ length: soapBatches + BATCH_CONCURRENCY }, (_, index) => soapBody(index));
  await inParallel(BATCH_CONCURRENCY, BATCH_CONCURRENCY, (index) => soapPushEvents(ours, soapBodies[index] as string));
  const soapBatchS = await inParallel(soapBatches, BATCH_CONCURRENCY, (index) => soapPushEvents(ours, soapBodies[BATCH_CONCURRENCY + index] as string));
  // Its baseline: the same number of events as JSON batches of the same size.
  const jsonSmallBodies = Array.from({ length: soapBatches }, (_, index) => JSON.stringify({ events: makeBatch(`js${index}`).slice(0, SOAP_BATCH_SIZE) }));
  const jsonSmallS = await inParallel(soapBatches, BATCH_CONCURRENCY, (index) => postBatch(ours, run.apiKey, jsonSmallBodies[index] as string, SOAP_BATCH_SIZE));
  await ours.stop();

  const bare = await run.start('bench/intake-baseline.ts', 'PORT', { MC_QUEUE_PREFIX: run.queuePrefix('baseline') });
  const baseRealtime = await realtime(bare, undefined, 'base');
  await bare.stop();

  const pool = new pg.Pool({ connectionString: databaseUrl, max: BATCH_CONCURRENCY });
  try {
    await pool.query('TRUNCATE events CASCADE');
    await inParallel(warm.length, BATCH_CONCURRENCY, (index) => rawInsert(pool, warm[index] as BatchEvent[]));
    const rawS = await inParallel(BATCHES, BATCH_CONCURRENCY, (index) => rawInsert(pool, batches[index] as BatchEvent[]));
    printTable('Intake (events/s)', [
      { figure: `real-time POST /events, ${CONNECTIONS} connections (baseline: Express + zod + queue.add)`, ours: oursRealtime, baseline: baseRealtime },
      { figure: `batch POST /events/batch, ${fmt(BATCH_SIZE)}/request, ${BATCH_CONCURRENCY} at once (baseline: raw unnest INSERT)`, ours: (BATCHES * BATCH_SIZE) / oursBatchS, baseline: (BATCHES * BATCH_SIZE) / rawS },
    ]);
    printTable('Campaign Classic SOAP intake (events/s; baseline: the JSON intake of the same instance, this run)', [
      { figure: `nms:rtEvent#PushEvent, ${CONNECTIONS} connections (baseline: POST /events)`, ours: soapRealtimeRate, baseline: oursRealtime },
      { figure: `nms:batchEvent#PushEvents, ${fmt(SOAP_BATCH_SIZE)}/call, ${BATCH_CONCURRENCY} at once (baseline: POST /events/batch of ${fmt(SOAP_BATCH_SIZE)})`, ours: (BATCHES * BATCH_SIZE) / soapBatchS, baseline: (soapBatches * SOAP_BATCH_SIZE) / jsonSmallS },
    ]);
  } finally {
    await pool.end();
  }
});
