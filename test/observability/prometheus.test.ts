// Issue 5, acceptance 1: a real Prometheus scrapes the admin listener of a real daemon that
// deploys examples/hello; the target is up and the request and deploy series hold exactly
// what the test produced; `promtool check metrics` passes on the exposition; the exported
// rules load and fire over these series; the dashboard names only series Prometheus has.
import { test } from 'node:test';
import { BUILTIN_ALERT_RULES } from '../../src/observability/alert-rules.js';
import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '../../src/lib/free-port.js';
import { cli, destroyProject, makeProject, serviceYaml, setVersion, waitFor, type Project, type ServiceOptions } from '../helpers/e2e-project.js';
import { promtool, startPrometheus, type PrometheusServer } from '../helpers/prometheus.js';

async function writeAdminConfig(p: Project, adminPort: number, httpsPort: number, o: ServiceOptions): Promise<void> {
  // A rate-limit zone and a route with a certificate, so the series the dashboard draws for them exist.
  const head = `version: 1\nproxy:\n  http: ${p.port}\n  https: ${httpsPort}\n  host: 127.0.0.1\n  rateLimits:\n    slow: { rate: 1/min, burst: 1 }\nadmin:\n  listen: 127.0.0.1:${adminPort}\n`;
  const routes = '      - host: hello.localhost\n      - { host: limited.localhost, rateLimit: slow }\n      - { host: secure.localhost, tls: internal }';
  // One backup source, so the backup series the dashboard draws exist too.
  const backups = 'backups:\n  encrypt: false\n  targets:\n    local: { dir: ./backups }\n  sources:\n    files: { dir: ./files }\n  maxAge: 24h\n  drill: {}\n';
  await mkdir(join(p.dir, 'files'), { recursive: true });
  await writeFile(join(p.dir, 'files', 'a.txt'), 'backed up\n');
  await writeFile(p.configFile, `${head}${backups}services:\n${serviceYaml('web', o).replace('      - host: hello.localhost', routes)}`);
}

/** Sequential GETs through the proxy, tallied by status, until stopped. */
class Traffic {
  readonly byStatus = new Map<number, number>();
  failures: string[] = [];
  readonly #agent = new Agent({ keepAlive: true, maxSockets: 1 });
  #running = true;
  #loop: Promise<void> = Promise.resolve();
  constructor(private readonly port: number) {}

  async send(n: number): Promise<void> {
    for (let i = 0; i < n; i++) await this.#one();
  }

  start(): void {
    this.#loop = (async () => {
      while (this.#running) await this.#one();
    })();
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.#loop;
    this.#agent.destroy();
  }

  count(status: number): number {
    return this.byStatus.get(status) ?? 0;
  }

  #one(): Promise<void> {
    return new Promise((resolve) => {
      const req = request({ host: '127.0.0.1', port: this.port, path: '/', agent: this.#agent, headers: { host: 'hello.localhost' } }, (res) => {
        res.resume();
        res.on('end', () => {
          this.byStatus.set(res.statusCode ?? 0, this.count(res.statusCode ?? 0) + 1);
          resolve();
        });
      });
      req.on('error', (err) => {
        this.failures.push(err.message);
        resolve();
      });
      req.end();
    });
  }
}

/** The status of one request with this method and Host, on its own connection. */
function rawStatus(port: number, method: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path: '/', agent: false, headers: { host } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

async function text(url: string): Promise<{ status: number; body: string; type: string }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.text(), type: res.headers.get('content-type') ?? '' };
}

test('a real Prometheus scrapes the daemon: up, request and deploy series as produced, rules loaded', { timeout: 180_000 }, async () => {
  const p = await makeProject({ instances: 2, watch: '1s' });
  const adminPort = await freePort();
  const httpsPort = await freePort();
  const admin = `127.0.0.1:${adminPort}`;
  let prom: PrometheusServer | undefined;
  const traffic = new Traffic(p.port);
  try {
    await writeAdminConfig(p, adminPort, httpsPort, { instances: 2, watch: '1s' });
    const daemon = await cli(p, ['daemon', '--detach']);
    assert.equal(daemon.code, 0, daemon.stdout + daemon.stderr);
    const rules = await cli(p, ['export', 'prometheus-rules']);
    assert.equal(rules.code, 0, rules.stderr);
    prom = await startPrometheus({ target: admin, rules: rules.stdout });

    await setVersion(p, 'v1');
    assert.equal((await cli(p, ['deploy'])).code, 0);
    await traffic.send(40);
    // Prometheus has scraped the first deploy (zeros included) before the failing one.
    await waitFor('a scrape after the first deploy', async () => {
      const r = await prom!.query('slipway_deployments_total{service="web",kind="deploy",outcome="succeeded"}');
      return r[0]?.value === 1 ? true : undefined;
    });

    await setVersion(p, 'v2-broken');
    await writeAdminConfig(p, adminPort, httpsPort, { instances: 2, watch: '10s', env: { HELLO_MODE: 'error' } });
    traffic.start();
    const deploy = await cli(p, ['deploy', '--json']);
    await traffic.stop();
    assert.equal(deploy.code, 3, deploy.stdout + deploy.stderr);
    assert.equal(deploy.json.results[0].outcome, 'reverted');
    assert.deepEqual(traffic.failures, []);
    assert.deepEqual([...traffic.byStatus.keys()].sort(), [200, 500], 'only the app\'s own answers');
    const ok = traffic.count(200);
    const broken = traffic.count(500);
    assert.ok(broken >= 5, `the broken release answered ${broken} requests`);

    const value = async (promql: string): Promise<number | undefined> => (await prom!.query(promql))[0]?.value;
    await waitFor(
      'Prometheus to hold the counts the test produced',
      // The proxy counts an attempt once the response is done, just after the client has it.
      async () => ((await value('slipway_http_requests_total{release="r2",status_class="5xx"}')) === broken &&
        (await value('slipway_http_requests_total{release="r1",status_class="2xx"}')) === ok &&
        (await value('slipway_deployments_total{kind="deploy",outcome="reverted"}')) === 1
        ? true
        : undefined),
      20_000,
    );
    assert.equal(await value('up{job="slipway"}'), 1);
    assert.equal(await value('slipway_proxy_up'), 1);
    assert.equal(await value('slipway_http_requests_total{service="web",release="r1",status_class="2xx"}'), ok);
    assert.equal(await value('sum(slipway_http_requests_total)'), ok + broken, 'every attempt counted once, nothing else');
    assert.equal(await value('slipway_http_request_duration_seconds_count{release="r1"}'), ok);
    assert.equal(await value('slipway_http_request_duration_seconds_bucket{release="r1",le="+Inf"}'), ok);
    assert.equal(await value('slipway_upstream_connection_errors_total{release="r1"}'), 0);
    assert.equal(await value('slipway_deployments_total{kind="deploy",outcome="succeeded"}'), 1);
    assert.equal(await value('slipway_deployments_total{kind="deploy",outcome="failed"}'), 0);
    assert.equal(await value('sum(slipway_deployment_duration_seconds_count)'), 2);
    const took = (await value('sum(slipway_deployment_duration_seconds_sum)')) ?? 0;
    assert.ok(took > 1 && took < 120, `deploy durations add up to ${took} s`);
    assert.equal(await value('slipway_rollbacks_total{trigger="automatic"}'), 1);
    assert.equal(await value('slipway_rollbacks_total{trigger="manual"}'), 0);
    assert.equal(await value('slipway_service_instances_healthy{service="web"}'), 2);
    assert.equal(await value('slipway_service_instances_desired{service="web"}'), 2);
    assert.equal(await value('slipway_release_traffic_weight{release="r1"}'), 1);
    assert.equal(await value('slipway_deployment_in_progress'), 0);
    assert.equal(await value('slipway_route_info{host="hello.localhost",path="/"}'), 1);

    // The exposition itself passes promtool's lint.
    const metrics = await text(`http://${admin}/metrics`);
    assert.equal(metrics.status, 200);
    assert.match(metrics.type, /^text\/plain; version=0\.0\.4/);
    const check = await promtool(['check', 'metrics'], metrics.body);
    assert.equal(check.code, 0, check.output);
    assert.equal(check.output.trim(), '', 'promtool found nothing to report');
    assert.doesNotMatch(metrics.body, /127\.0\.0\.1/, 'no addresses in labels');

    // Health of slipway itself.
    const live = await text(`http://${admin}/health/live`);
    assert.equal(live.status, 200);
    const ready = await text(`http://${admin}/health/ready`);
    assert.equal(ready.status, 200, ready.body);
    assert.deepEqual(Object.values(JSON.parse(ready.body).checks).map((c) => (c as { ok: boolean }).ok), [true, true, true]);

    // The exported rules load, evaluate without error, and fire over these series.
    const groups = (await prom.get('/api/v1/rules')).groups as { rules: { name: string; health: string; lastError?: string }[] }[];
    const loaded = groups.flatMap((g) => g.rules);
    assert.equal(loaded.length, BUILTIN_ALERT_RULES.length);
    await waitFor('every rule evaluated', async () => {
      const now = ((await prom!.get('/api/v1/rules')).groups as typeof groups).flatMap((g) => g.rules);
      return now.every((r) => r.health === 'ok') ? true : undefined;
    });
    const firing = await waitFor('deploy-failed and rollback alerts', async () => {
      const alerts = ((await prom!.get('/api/v1/alerts')).alerts as { labels: Record<string, string>; state: string }[]).filter((a) => a.state === 'firing');
      const names = new Set(alerts.filter((a) => a.labels['service'] === 'web').map((a) => a.labels['alertname']));
      return names.has('SlipwayDeployFailed') && names.has('SlipwayRollbackHappened') ? alerts : undefined;
    });
    const names = firing.map((a) => a.labels['alertname']);
    assert.ok(!names.includes('SlipwayInstanceDown') && !names.includes('SlipwayProxyDown'), names.join(', '));

    // A backup and a drill, then the dashboard references only series this Prometheus holds.
    const backup = await cli(p, ['backup', 'run']);
    assert.equal(backup.code, 0, backup.stdout + backup.stderr);
    const drill = await cli(p, ['backup', 'drill']);
    assert.equal(drill.code, 0, drill.stdout + drill.stderr);
    await waitFor('the backup series scraped', async () => ((await value('slipway_backup_drill_ok{source="files"}')) === 1 &&
      (await value('slipway_backup_runs_total{source="files",outcome="succeeded"}')) === 1 ? true : undefined), 20_000);
    // A request over its zone's limit (429) and one the proxy refuses (TRACE: 405), then every
    // series the board draws is there: certificates, refusals, rate limits, instance CPU and memory.
    const statuses = [await rawStatus(p.port, 'GET', 'limited.localhost'), await rawStatus(p.port, 'GET', 'limited.localhost'), await rawStatus(p.port, 'TRACE', 'hello.localhost')];
    assert.deepEqual(statuses, [200, 429, 405]);
    await waitFor('the proxy\'s refusals, the certificate and instance usage scraped', async () => ((await value('slipway_proxy_rate_limited_total{zone="slow"}')) === 1 &&
      (await value('slipway_proxy_requests_refused_total{status="405"}')) === 1 &&
      ((await value('slipway_certificate_expiry_seconds{host="secure.localhost"}')) ?? 0) > Date.now() / 1000 &&
      (await value('count(slipway_instance_memory_bytes{service="web",release="r1"} > 1e6)')) === 2 &&
      (await value('count(slipway_instance_cpu_seconds_total{service="web",release="r1"} > 0)')) === 2 ? true : undefined), 20_000);
    const held = new Set<string>(await prom.get('/api/v1/label/__name__/values'));
    const dashboard = await cli(p, ['export', 'grafana-dashboard']);
    const used = new Set([...dashboard.stdout.matchAll(/\bslipway_[a-z0-9_]+/g)].map((m) => m[0]));
    assert.ok(used.size >= 10);
    assert.deepEqual([...used].filter((n) => !held.has(n)), []);
  } finally {
    await traffic.stop();
    await prom?.stop();
    await destroyProject(p);
  }
});
