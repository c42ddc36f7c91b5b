import type pg from 'pg';
import { newDeliveryLogId, uuidv7 } from '@mc/domain';
import { startExecutionHarness, type ExecutionHarness } from '../testing';
import { loadEventsToLink } from '../src/sql/load-events-to-link';
import { linkEventsToDeliveries } from '../src/sql/link-events-to-deliveries';
import { markNotTakenIntoAccount } from '../src/sql/mark-not-taken-into-account';
import { expirePendingEvents } from '../src/sql/expire-pending-events';
import { claimPendingDeliveries } from '../src/sql/claim-pending-deliveries';
import { renewDeliveryLeases } from '../src/sql/renew-delivery-leases';
import { recordDeliveryOutcomes } from '../src/sql/record-delivery-outcomes';
import { failAbandonedDeliveries } from '../src/sql/fail-abandoned-deliveries';

interface Recorded {
  name: string;
  text: string;
  values: unknown[];
}

/** A pool that keeps the statements it is given instead of running them. */
function recordingPool(recorded: Recorded[], name: string): pg.Pool {
  const query = (config: string | { text: string; values?: unknown[] }, values?: unknown[]) => {
    const statement = typeof config === 'string' ? { text: config, values: values ?? [] } : { text: config.text, values: config.values ?? values ?? [] };
    recorded.push({ name, ...statement });
    return Promise.resolve({ rows: [], rowCount: 0 });
  };
  return { query } as unknown as pg.Pool;
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

function* nodesOf(node: PlanNode): Generator<PlanNode> {
  yield node;
  for (const child of node.Plans ?? []) yield* nodesOf(child);
}

/** Indexes that lead to the whole backlog of a status, not to the rows a statement names. */
const BACKLOG_INDEXES = new Set(['events_status_created_at_idx', 'delivery_logs_synced_at_status_idx']);

/**
 * The statements of the hot path name their rows (event ids, delivery ids). Their plans must
 * reach those rows by primary or unique key whatever the statistics say — never by scanning the
 * pending backlog through a status index, never by a sequential scan of a big table — with the
 * custom plan of the first executions and with the generic plan a prepared statement switches to.
 */
describe('query plans of the hot statements', () => {
  let mc: ExecutionHarness;
  const statements: Recorded[] = [];
  let client: pg.PoolClient;

  beforeAll(async () => {
    mc = await startExecutionHarness({ MC_ROLE: 'api' });
    const { pool } = mc.instance.db;
    await pool.query('ALTER TABLE events SET (autovacuum_enabled = off); ALTER TABLE delivery_logs SET (autovacuum_enabled = off)');
    // A backlog: 40,000 pending events, 40,000 linked ones with a pending delivery, 40,000 sent.
    await pool.query(`
      INSERT INTO events (id, kind, type, channel, email, job_id, status, producer, created_at)
      SELECT gen_random_uuid(), 'rt', 'ORDER_CONFIRMATION', 'email', 'ada@example.com', 'job', s.status::"EventStatus", 'default', now() - (g || ' ms')::interval
      FROM generate_series(1, 40000) g CROSS JOIN (VALUES ('pending'), ('pending_delivery'), ('sent')) AS s(status)`);
    await pool.query(`
      INSERT INTO delivery_logs (id, event_id, channel, status, recipient, template_name, template_version, subject, html, text, synced_at)
      SELECT gen_random_uuid(), id, 'email', CASE status WHEN 'sent' THEN 'sent' ELSE 'pending' END::"DeliveryStatus",
             email, 'order-confirmation', 1, 's', 'h', 't', CASE status WHEN 'sent' THEN now() END
      FROM events WHERE status <> 'pending'`);
    const { rows } = await pool.query<{ id: string }>("SELECT id FROM events WHERE status = 'pending' LIMIT 50");
    const ids = rows.map((row) => row.id);
    const deliveryIds = Array.from({ length: 50 }, () => newDeliveryLogId());
    const lease = { holder: 'plans', ms: 15_000 };
    const at = (name: string) => recordingPool(statements, name);
    await loadEventsToLink(at('loadEventsToLink'), ids, 'expired');
    await linkEventsToDeliveries(
      at('linkEventsToDeliveries'),
      ids.map((eventId, index) => ({
        deliveryLogId: deliveryIds[index] as string,
        eventId,
        channel: 'email' as const,
        recipient: 'ada@example.com',
        templateName: 'order-confirmation',
        templateVersion: 1,
        subject: 's',
        html: 'h',
        text: 't',
        headers: { listUnsubscribe: 'https://shop.example/unsubscribe' },
        attempt: 1,
      })),
      lease,
    );
    await markNotTakenIntoAccount(at('markNotTakenIntoAccount'), ids.map((id) => ({ id, reason: 'no template' })));
    await expirePendingEvents(at('expirePendingEvents'), ids, 'expired');
    await claimPendingDeliveries(at('claimPendingDeliveries'), ids, lease);
    await renewDeliveryLeases(at('renewDeliveryLeases'), deliveryIds, lease);
    await recordDeliveryOutcomes(
      at('recordDeliveryOutcomes'),
      deliveryIds.map((deliveryLogId) => ({
        deliveryLogId,
        status: 'sent' as const,
        attempted: 1,
        nextAttemptAt: null,
        error: null,
        providerMessageId: `<${uuidv7()}@plans>`,
        suppressChannel: null,
        suppressAddress: null,
      })),
    );
    await failAbandonedDeliveries(at('failAbandonedDeliveries'), ids, 'gave up');
    client = await pool.connect();
  });
  afterAll(async () => {
    client.release();
    await mc.close();
  });

  async function badNodes(statement: Recorded, mode: 'force_custom_plan' | 'force_generic_plan'): Promise<string[]> {
    await client.query(`SET plan_cache_mode = ${mode}`);
    // The generic plan is what a prepared statement runs once PostgreSQL stops planning per call.
    const { rows } = await client.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>({ text: `EXPLAIN (FORMAT JSON) ${statement.text}`, values: statement.values });
    const plan = rows[0]?.['QUERY PLAN'][0]?.Plan as PlanNode;
    return [...nodesOf(plan)]
      .filter((node) => (node['Index Name'] && BACKLOG_INDEXES.has(node['Index Name'])) || (node['Node Type'] === 'Seq Scan' && ['events', 'delivery_logs'].includes(node['Relation Name'] ?? '')))
      .map((node) => `${node['Node Type']} ${node['Index Name'] ?? node['Relation Name']}`);
  }

  it.each(['without statistics', 'with fresh statistics'])('when the tables hold a backlog (%s), then no hot statement scans it, custom or generic plan', async (stats) => {
    if (stats === 'with fresh statistics') await client.query('ANALYZE events; ANALYZE delivery_logs');
    expect(statements.map((statement) => statement.name)).toHaveLength(8);
    const findings: Record<string, string[]> = {};
    for (const statement of statements) {
      for (const mode of ['force_custom_plan', 'force_generic_plan'] as const) {
        const bad = await badNodes(statement, mode);
        if (bad.length > 0) findings[`${statement.name} (${mode})`] = bad;
      }
    }
    expect(findings).toEqual({});
  });
});
