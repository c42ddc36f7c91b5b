import type pg from 'pg';
import { countBacklog } from '../src/sql/count-backlog';
import { updateEventStatusLag } from '../src/sql/update-event-status-lag';
import { startExecutionHarness, type ExecutionHarness } from '../testing';

/** What a scrape of /metrics costs the database: the system-wide gauges' statements and their plans. */
describe('the statements a scrape runs', () => {
  let mc: ExecutionHarness;
  beforeAll(async () => {
    mc = await startExecutionHarness({ MC_ROLE: 'api' });
  });
  afterAll(() => mc.close());

  it('when scraped, then no system-wide gauge scans a table: the backlog and the lag are read through their indexes, however many events are final', async () => {
    const { pool } = mc.instance.db;
    await pool.query(`INSERT INTO events (id, producer, kind, type, channel, email, status, job_id)
                      SELECT gen_random_uuid(), 'default', 'rt', 'ARCHIVED', 'email', 'old@example.com', 'sent', 'old' FROM generate_series(1, 30000)`);
    await pool.query(`INSERT INTO delivery_logs (id, event_id, channel, status, recipient, template_name, template_version, subject, html, text, synced_at)
                      SELECT gen_random_uuid(), id, 'email', 'sent', email, 'order-confirmation', 1, 's', 'h', 't', now() FROM events WHERE type = 'ARCHIVED'`);
    await pool.query('ANALYZE events; ANALYZE delivery_logs');
    const statements: Array<{ text: string; values?: unknown[] }> = [];
    // A pool that keeps the statements it is given (with no rows back) instead of running them.
    const query = (config: { text: string; values?: unknown[] } | string) => {
      statements.push(typeof config === 'string' ? { text: config } : config);
      return Promise.resolve({ rows: [] });
    };
    const recorder = { query } as unknown as pg.Pool;
    await countBacklog(recorder);
    await updateEventStatusLag(recorder);
    expect(statements).toHaveLength(2);
    for (const statement of statements) {
      const { rows } = await pool.query(`EXPLAIN (FORMAT JSON) ${statement.text}`, statement.values ?? []);
      const plan = JSON.stringify(rows[0]['QUERY PLAN']);
      expect([statement.text, plan]).toEqual([statement.text, expect.not.stringMatching(/"Seq Scan"[^}]*"Relation Name":"(events|delivery_logs)"/)]);
    }
  });
});
