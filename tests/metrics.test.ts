import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startSmtpSink, type SmtpSink } from '@mc/smtp-sink';
import { orderEvent, promtoolCheckMetrics, templateVersion, TEST_CONTROL_KEY } from '@mc/testing';
import { REPO_ROOT } from '@mc/testing';
import { eventWithStatus, startExecutionHarness, type ExecutionHarness } from '@mc/execution/testing';
import { startControlHarness, type ControlHarness } from '@mc/control/testing';

/** A sample of `name` with these labels (wherever they stand) and a value matching `value`. */
const sample = (name: string, labels: string[], value = '[1-9][\\d.e+]*') =>
  new RegExp(`^${name}\\{${labels.map((label) => `(?=[^}]*${label.replace(/[()[\]{}.*+?^$|\\]/g, '\\$&')})`).join('')}[^}]*\\} ${value}$`, 'm');
const scrape = async (baseUrl: string) => (await fetch(`${baseUrl}/metrics`)).text();
const seriesNames = (text: string) => new Set([...text.matchAll(/^([a-zA-Z_:][\w:]*)[{ ]/gm)].map((match) => match[1]));

/** What Prometheus and Grafana get from both apps: checked by promtool itself. */
describe('metrics', () => {
  let smtp: SmtpSink;
  let mc: ExecutionHarness;
  let apiBaseUrl: string;
  let workerBaseUrl: string;
  let control: ControlHarness;
  beforeAll(async () => {
    smtp = await startSmtpSink();
    mc = await startExecutionHarness({ SMTP_URL: smtp.url, UPDATE_EVENT_STATUS_EVERY_MS: '100' });
    // A second process of the same instance (API only), scraped on its own.
    const api = await mc.startSibling({ MC_ROLE: 'api' });
    apiBaseUrl = `http://127.0.0.1:${api.port ?? 0}`;
    // And a worker, which serves monitoring only on WORKER_METRICS_PORT.
    const worker = await mc.startSibling({ MC_ROLE: 'worker', WORKER_METRICS_PORT: '0' });
    workerBaseUrl = `http://127.0.0.1:${worker.port ?? 0}`;
    await mc.request('PUT', '/api/v1/templates/order-confirmation', templateVersion(), TEST_CONTROL_KEY);
    control = await startControlHarness();
    const registered = await control.request('POST', '/api/v1/execution-instances', { name: 'local', url: mc.baseUrl, credential: TEST_CONTROL_KEY });
    expect(registered.status).toBe(201);
  });
  afterAll(async () => {
    await control.close();
    await mc.close();
    await smtp.close();
  });

  it('when both apps are scraped, then promtool finds nothing to say; default metrics have their standard names; mc_instance labels execution series', async () => {
    const { body } = await mc.request('POST', '/api/v1/events', orderEvent());
    await mc.request('GET', `/api/v1/events/${body.id}`);
    for (const baseUrl of [mc.baseUrl, apiBaseUrl, workerBaseUrl, control.baseUrl]) {
      const text = await scrape(baseUrl);
      expect([baseUrl, await promtoolCheckMetrics(text)]).toEqual([baseUrl, []]);
      const names = seriesNames(text);
      expect(names).toContain('process_cpu_seconds_total');
      expect(names).toContain('nodejs_heap_size_used_bytes');
      expect([...names].filter((name) => name?.startsWith('mc_process_'))).toEqual([]);
      // Prometheus keeps `instance` for the scraped target: no series of ours carries it.
      expect(text).not.toMatch(/[{,]instance="/);
    }
    expect(await scrape(mc.baseUrl)).toMatch(sample('process_cpu_seconds_total', ['mc_instance="local"'], '[\\d.e+-]+'));
  });

  it('when requests are answered, then each is counted by method, route pattern and status, with its duration', async () => {
    const { body } = await mc.request('POST', '/api/v1/events', orderEvent());
    await mc.request('GET', `/api/v1/events/${body.id}`);
    await mc.request('GET', '/no/such/path');
    await mc.request('POST', '/api/v1/events', orderEvent(), null);
    const text = await scrape(mc.baseUrl);
    expect(text).toMatch(sample('http_request_duration_seconds_count', ['method="POST"', 'route="/api/v1/events"', 'status="202"']));
    expect(text).toMatch(sample('http_request_duration_seconds_count', ['method="GET"', 'route="/api/v1/events/:id"', 'status="200"']));
    expect(text).toMatch(sample('http_request_duration_seconds_count', ['route="unmatched"', 'status="404"']));
    expect(text).toMatch(sample('http_request_duration_seconds_count', ['route="/api/v1/events"', 'status="401"']));
    // An error answered from a router mounted on /api/v1 keeps the whole pattern.
    expect((await mc.request('GET', '/api/v1/events/0190f5a2-7b3c-7d4e-8f90-123456789abc')).status).toBe(404);
    expect(await scrape(mc.baseUrl)).toMatch(sample('http_request_duration_seconds_count', ['method="GET"', 'route="/api/v1/events/:id"', 'status="404"']));
    expect(text).toMatch(sample('http_request_duration_seconds_bucket', ['route="/api/v1/events"', 'le="+Inf"']));
    // Event ids never become labels.
    expect(text).not.toContain(body.id);
  });

  it('when several processes of an instance are scraped, then exactly one exports the system-wide gauges, so that sums never count them twice', async () => {
    const scrapes = [await scrape(mc.baseUrl), await scrape(apiBaseUrl), await scrape(workerBaseUrl)];
    const exporters = scrapes.filter((text) => sample('mc_system_metrics_exporter', ['mc_instance="local"'], '1').test(text));
    expect(exporters).toHaveLength(1);
    const [exporter] = exporters;
    for (const other of scrapes.filter((text) => text !== exporter)) {
      expect(other).toMatch(sample('mc_system_metrics_exporter', ['mc_instance="local"'], '0'));
      for (const name of ['mc_queue_jobs', 'mc_events_backlog', 'mc_update_event_status_lag_seconds']) expect(seriesNames(other)).not.toContain(name);
    }
    for (const name of ['mc_queue_jobs', 'mc_events_backlog', 'mc_update_event_status_lag_seconds']) expect(seriesNames(exporter!)).toContain(name);
    // The worker serves monitoring, not the API.
    expect((await fetch(`${workerBaseUrl}/health`)).status).toBe(200);
    expect((await fetch(`${workerBaseUrl}/api/v1/events`, { method: 'POST' })).status).toBe(404);
    // A queue's completed jobs are a counter of the worker that did them, not a capped list length.
    expect(exporter).not.toMatch(/state="completed"/);
  });

  it('when events are processed, then the counters say how many jobs completed and how many events became final', async () => {
    const pushed = await Promise.all(Array.from({ length: 3 }, () => mc.request('POST', '/api/v1/events', orderEvent())));
    const orphan = await mc.request('POST', '/api/v1/events', orderEvent({ type: 'NOBODY_PUBLISHED_THIS' }));
    for (const { body } of pushed) await eventWithStatus(mc, body.id, 'sent');
    await eventWithStatus(mc, orphan.body.id, 'not_taken_into_account');
    // Counters are per process: the instance's figure is their sum over its processes (two run workers here).
    const texts = [await scrape(mc.baseUrl), await scrape(workerBaseUrl)];
    const total = (name: string, labels: string[]) =>
      texts.flatMap((text) => [...text.matchAll(new RegExp(sample(name, labels, '([\\d.e+]+)').source, 'gm'))].map((match) => Number(match[1]))).reduce((sum, value) => sum + value, 0);
    expect(total('mc_jobs_total', ['queue="rtEventsProcessing"', 'outcome="completed"'])).toBeGreaterThanOrEqual(1);
    expect(total('mc_jobs_total', ['queue="updateEventStatus"', 'outcome="completed"'])).toBeGreaterThanOrEqual(1);
    expect(total('mc_events_final_total', ['status="sent"'])).toBeGreaterThanOrEqual(3);
    expect(total('mc_events_final_total', ['status="not_taken_into_account"'])).toBeGreaterThanOrEqual(1);
  });

  it('when control is scraped, then the archive of each execution instance is labelled mc_instance, as its own metrics are', async () => {
    const text = await scrape(control.baseUrl);
    expect(text).toMatch(sample('mc_archive_lag_seconds', ['mc_instance="local"'], '-?[\\d.e+-]+'));
    expect(text).toMatch(sample('mc_archived_events', ['mc_instance="local"'], '\\d+'));
    expect(text).not.toMatch(/account="/);
    expect(text).toMatch(sample('http_request_duration_seconds_count', ['route="/api/v1/execution-instances"', 'status="201"']));
  });

  it('when the Grafana dashboard queries a series, then the apps export it', async () => {
    const dashboard = JSON.parse(readFileSync(path.join(REPO_ROOT, 'docker/grafana/dashboards/message-center.json'), 'utf8')) as { panels: Array<{ targets: Array<{ expr: string }> }> };
    const queried = new Set(dashboard.panels.flatMap((panel) => panel.targets.flatMap((target) => [...target.expr.matchAll(/\b((?:mc|http)_[a-z_]+)\{/g)].map((match) => match[1]!))));
    expect(queried.size).toBeGreaterThanOrEqual(12);
    const exported = new Set<string>();
    for (const baseUrl of [mc.baseUrl, apiBaseUrl, workerBaseUrl, control.baseUrl]) for (const name of seriesNames(await scrape(baseUrl))) exported.add(name!);
    // A counter no event has moved yet is still exported (as 0 or by its HELP line): look for both.
    const helped = new Set<string>();
    for (const baseUrl of [mc.baseUrl, workerBaseUrl, control.baseUrl]) for (const match of (await scrape(baseUrl)).matchAll(/^# TYPE (\S+) (\w+)$/gm)) helped.add(match[1]!);
    const missing = [...queried].filter((name) => !exported.has(name) && !helped.has(name.replace(/_(bucket|count|sum)$/, '')));
    expect(missing).toEqual([]);
  });
});
