import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { controlEnvSchema } from '@mc/control';
import { executionEnvSchema } from '@mc/execution';
import { REPO_ROOT, promtoolCheckConfig } from '@mc/testing';

/**
 * No Docker engine runs on our machines, so docker-compose.yml and the Dockerfile are checked
 * against the code they run: commands, environment (against each app's env schema), ports,
 * health checks, dependencies.
 */
const root = REPO_ROOT;
type Service = {
  build?: unknown;
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  healthcheck?: { test?: string[]; disable?: boolean };
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
};
const compose = parse(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, Service> };
const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');

const APPS = {
  'apps/control/src/main.ts': { schema: controlEnvSchema, portVariable: 'CONTROL_PORT', urlVariables: ['CONTROL_DATABASE_URL', 'REDIS_URL'] },
  'apps/execution/src/main.ts': { schema: executionEnvSchema, portVariable: 'EXECUTION_PORT', urlVariables: ['EXECUTION_DATABASE_URL', 'REDIS_URL', 'SMTP_URL'] },
} as const;

const appServices = Object.entries(compose.services).filter(([, service]) => service.build !== undefined);

function appOf(service: Service) {
  const entry = service.command?.find((part) => part in APPS) as keyof typeof APPS | undefined;
  if (!entry) throw new Error(`command ${JSON.stringify(service.command)} runs no known app`);
  return { entry, ...APPS[entry] };
}

function dependsOnHealthy(name: string, target: string, seen = new Set<string>()): boolean {
  const dependencies = compose.services[name]?.depends_on ?? {};
  if (dependencies[target]?.condition === 'service_healthy') return true;
  return Object.entries(dependencies).some(
    ([dependency, { condition }]) => condition === 'service_healthy' && !seen.has(dependency) && dependsOnHealthy(dependency, target, seen.add(dependency)),
  );
}

describe('docker-compose.yml', () => {
  it('runs the control instance and two execution instances, plus a scalable worker', () => {
    const entries = appServices.map(([, service]) => appOf(service).entry);
    expect(entries.filter((entry) => entry.includes('control'))).toHaveLength(1);
    const executions = appServices.filter(([, service]) => appOf(service).entry.includes('execution'));
    expect(new Set(executions.map(([, service]) => service.environment?.MC_INSTANCE_NAME)).size).toBe(2);
    expect(executions.some(([, service]) => service.environment?.MC_ROLE === 'worker')).toBe(true);
  });

  it.each(appServices)('service %s: its command exists and its environment is what its app reads, valid', (name, service) => {
    const { entry, schema, portVariable, urlVariables } = appOf(service);
    expect(existsSync(path.join(root, entry))).toBe(true);
    const environment = service.environment ?? {};
    const known = Object.keys(schema.in.shape);
    expect(Object.keys(environment).filter((variable) => !known.includes(variable))).toEqual([]);
    expect(() => schema.parse(environment)).not.toThrow();
    // Its credentials are development ones: it says so, for the image's production mode refuses them.
    expect(environment.NODE_ENV).toBe('development');
    expect(schema.safeParse({ ...environment, NODE_ENV: 'production' }).success).toBe(false);
    for (const variable of urlVariables) {
      const value = environment[variable];
      expect(value).toBeDefined();
      const host = new URL(value as string).hostname;
      expect(Object.keys(compose.services)).toContain(host);
    }
    const port = environment[portVariable];
    if (service.ports) expect(service.ports.map((mapping) => mapping.split(':').pop())).toContain(port);
    if (!service.healthcheck?.disable) {
      expect(service.healthcheck?.test?.join(' ')).toContain(`http://127.0.0.1:${port}/health`);
    }
    expect(dependsOnHealthy(name, 'redis')).toBe(true);
    expect(dependsOnHealthy(name, 'postgres')).toBe(true);
  });

  it('gives every execution instance its own database and queue prefix', () => {
    const executions = appServices.filter(([, service]) => service.environment?.MC_ROLE !== 'worker' && appOf(service).entry.includes('execution'));
    const databases = executions.map(([, service]) => new URL(service.environment?.EXECUTION_DATABASE_URL ?? '').pathname);
    expect(new Set(databases).size).toBe(executions.length);
    const init = readFileSync(path.join(root, 'docker/postgres-init.sql'), 'utf8');
    for (const database of [...databases, new URL(compose.services.control?.environment?.CONTROL_DATABASE_URL ?? '').pathname]) {
      expect(init).toContain(`CREATE DATABASE ${database.slice(1)};`);
    }
  });

  it('keeps Redis data (AOF) and never evicts queue keys', () => {
    const command = compose.services.redis?.command?.join(' ');
    expect(command).toContain('--appendonly yes');
    expect(command).toContain('--maxmemory-policy noeviction');
  });

  it('registers each execution instance on control with its own URL and credential', () => {
    const script = compose.services.setup?.command?.join(' ') ?? '';
    for (const [name, service] of appServices) {
      if (!appOf(service).entry.includes('execution') || service.environment?.MC_ROLE === 'worker') continue;
      const env = service.environment ?? {};
      expect(script).toContain(`${env.MC_INSTANCE_NAME}=http://${name}:${env.EXECUTION_PORT}=${env.MC_CONTROL_CREDENTIAL}`);
    }
    expect(script).toContain(`Bearer ${compose.services.control?.environment?.MC_ADMIN_TOKEN}`);
  });
});

describe('Dockerfile', () => {
  it('is multi-stage, installs from the lock file and copies every workspace manifest before installing', () => {
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toContain('npm ci');
    const manifests = ['apps', 'packages'].flatMap((folder) =>
      readdirSync(path.join(root, folder)).map((name) => `${folder}/${name}/package.json`).filter((file) => existsSync(path.join(root, file))),
    );
    for (const manifest of manifests) expect(dockerfile).toContain(`COPY ${manifest} `);
  });

  it("uses a Node version the project's engines accept and runs an app that exists", () => {
    const engines = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;
    const major = Number(/FROM node:(\d+)/.exec(dockerfile)?.[1]);
    expect(major).toBeGreaterThanOrEqual(Number(/>=(\d+)/.exec(engines)?.[1]));
    const command = JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)?.[1] ?? '[]') as string[];
    expect(command.slice(0, 3)).toEqual(['node', '--import', 'tsx']);
    expect(existsSync(path.join(root, command[3] ?? ''))).toBe(true);
  });

  it('runs as a non-root user with production settings', () => {
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/NODE_ENV=production/);
    expect(dockerfile).toMatch(/HOST=0\.0\.0\.0/);
  });
});

describe('monitoring in docker-compose.yml', () => {
  const prometheusConfig = 'docker/prometheus/prometheus.yml';
  const scrape = parse(readFileSync(path.join(root, prometheusConfig), 'utf8')) as {
    scrape_configs: Array<{ static_configs?: Array<{ targets: string[] }>; dns_sd_configs?: Array<{ names: string[]; port: number }> }>;
  };
  const targets = scrape.scrape_configs.flatMap((job) => [
    ...(job.static_configs ?? []).flatMap((config) => config.targets),
    ...(job.dns_sd_configs ?? []).flatMap((config) => config.names.map((name) => `${name}:${config.port}`)),
  ]);

  it('has Prometheus scrape every app process on the port it serves /metrics on, with a configuration promtool accepts', async () => {
    const expected = appServices.map(([name, service]) => {
      const environment = service.environment ?? {};
      const port = environment.WORKER_METRICS_PORT ?? environment[appOf(service).portVariable];
      return `${name}:${port}`;
    });
    expect(targets.sort()).toEqual(expected.sort());
    expect(compose.services.prometheus?.volumes).toContain(`./${prometheusConfig}:/etc/prometheus/prometheus.yml:ro`);
    expect(await promtoolCheckConfig(path.join(root, prometheusConfig))).toEqual([]);
  });

  it('provisions Grafana with the Prometheus data source and the dashboard the data source feeds', () => {
    const volumes = compose.services.grafana?.volumes ?? [];
    expect(volumes).toEqual(expect.arrayContaining(['./docker/grafana/provisioning:/etc/grafana/provisioning:ro', './docker/grafana/dashboards:/var/lib/grafana/dashboards:ro']));
    const datasources = parse(readFileSync(path.join(root, 'docker/grafana/provisioning/datasources/prometheus.yml'), 'utf8')) as { datasources: Array<{ uid: string; url: string }> };
    const provider = parse(readFileSync(path.join(root, 'docker/grafana/provisioning/dashboards/message-center.yml'), 'utf8')) as { providers: Array<{ options: { path: string } }> };
    expect(provider.providers[0]?.options.path).toBe('/var/lib/grafana/dashboards');
    expect(datasources.datasources[0]?.url).toBe('http://prometheus:9090');
    const dashboard = JSON.parse(readFileSync(path.join(root, 'docker/grafana/dashboards/message-center.json'), 'utf8')) as { panels: Array<{ datasource: { uid: string }; targets: Array<{ expr: string }> }> };
    expect(dashboard.panels.length).toBeGreaterThanOrEqual(10);
    for (const panel of dashboard.panels) expect(panel.datasource.uid).toBe(datasources.datasources[0]?.uid);
  });
});
