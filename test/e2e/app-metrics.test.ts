// The apps' own metrics, scraped by a real Prometheus through slipway's service discovery
// (issue 19): Prometheus is given only the admin listener's /discovery/targets URL. Two
// projects on one host: "shop" with a prom-client app (2 instances), busybox httpd serving an
// exposition file, and python's http.server without `metrics:`; "blog" with busybox httpd.
// Through 3 deploys and a rollback, Prometheus scrapes exactly the instances that serve, each
// labelled with its project, service and release, with no change to its config.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '../../src/lib/free-port.js';
import { projectNameOfDir } from '../../src/config/project-name.js';
import { cli, cliOn, destroyProject, makeProject, waitFor } from '../helpers/e2e-project.js';
import { startPrometheus, type PrometheusServer } from '../helpers/prometheus.js';

const PROM_CLIENT = createRequire(import.meta.url).resolve('prom-client');
const HEALTH = '    health: { path: /health, interval: 200ms, timeout: 1s, rise: 1, fall: 2, startTimeout: 20s }';
const TIMING = ['    drain: 1s', '    keepWarm: 10m', '    watch: 1s', '    stopTimeout: 3s'];

const API = `const http = require('node:http');
const fs = require('node:fs');
const client = require(process.env.PROM_CLIENT);
const version = fs.readFileSync(__dirname + '/version.txt', 'utf8').trim();
const registry = new client.Registry();
new client.Gauge({ name: 'app_build_info', help: 'The build serving', labelNames: ['version'], registers: [registry] }).set({ version }, 1);
const hits = new client.Counter({ name: 'app_hits_total', help: 'Requests served', registers: [registry] });
http.createServer(async (req, res) => {
  if (req.url === '/metrics') {
    res.setHeader('content-type', registry.contentType);
    return res.end(await registry.metrics());
  }
  hits.inc();
  res.end('api ' + version + '\\n');
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

async function writeApp(dir: string, kind: 'api' | 'static', version: number): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'health'), 'ok\n');
  if (kind === 'api') {
    await writeFile(join(dir, 'server.cjs'), API);
    await writeFile(join(dir, 'version.txt'), `v${version}\n`);
  } else {
    await writeFile(join(dir, 'index.html'), `v${version}\n`);
    await writeFile(join(dir, 'metrics'), `# TYPE app_build_info gauge\napp_build_info{version="v${version}"} 1\n`);
  }
}

/** What Prometheus scrapes now: "project/service/release/version" per series of app_build_info, and the targets up. */
async function scraped(prom: PrometheusServer): Promise<{ series: string[]; up: number; down: number }> {
  const info = await prom.query('app_build_info');
  const up = await prom.query('up{job="apps"}');
  return {
    series: info.map((s) => `${s.metric['project']}/${s.metric['service']}/${s.metric['release']}/${s.metric['version']}`).sort(),
    up: up.filter((s) => s.value === 1).length,
    down: up.filter((s) => s.value !== 1).length,
  };
}

test('Prometheus scrapes the apps of two projects through slipway\'s discovery across 3 deploys and a rollback', { timeout: 300_000 }, async () => {
  const p = await makeProject();
  let prom: PrometheusServer | undefined;
  try {
    const admin = await freePort();
    const shop = projectNameOfDir(p.dir);
    const blogDir = join(p.dir, 'blog');
    const blogConfig = join(blogDir, 'slipway.yaml');
    await mkdir(blogDir, { recursive: true });
    await writeFile(
      p.configFile,
      [
        'version: 1',
        `proxy: { http: ${p.port}, host: 127.0.0.1 }`,
        `admin: { listen: "127.0.0.1:${admin}" }`,
        'services:',
        '  api:',
        '    source: ./api',
        '    run: node server.cjs',
        `    env: { PROM_CLIENT: "${PROM_CLIENT}" }`,
        '    routes: [{ host: api.localhost }]',
        '    metrics: {}',
        HEALTH,
        '    instances: 2',
        ...TIMING,
        '  web:',
        '    source: ./web',
        '    run: exec busybox httpd -f -p 127.0.0.1:$PORT -h .',
        '    routes: [{ host: web.localhost }]',
        '    metrics: { path: /metrics }',
        HEALTH,
        '    instances: 1',
        ...TIMING,
        '  files:',
        '    source: ./web',
        '    run: exec python3 -m http.server $PORT --bind 127.0.0.1',
        '    routes: [{ host: files.localhost }]',
        HEALTH,
        '    instances: 1',
        ...TIMING,
        '',
      ].join('\n'),
    );
    await writeFile(
      blogConfig,
      ['version: 1', 'project: blog', 'services:', '  web:', '    source: ./site', '    run: exec busybox httpd -f -p 127.0.0.1:$PORT -h .', '    routes: [{ host: blog.localhost }]', '    metrics: {}', HEALTH, '    instances: 1', ...TIMING, ''].join('\n'),
    );
    const write = async (v: number): Promise<void> => {
      await writeApp(join(p.dir, 'api'), 'api', v);
      await writeApp(join(p.dir, 'web'), 'static', v);
      await writeApp(join(blogDir, 'site'), 'static', v);
    };
    await write(1);
    const daemon = await cli(p, ['daemon', '--detach']);
    assert.equal(daemon.code, 0, daemon.stderr);
    prom = await startPrometheus({ httpSd: `http://127.0.0.1:${admin}/discovery/targets` });
    const server = prom;

    const expect = (api: number, web: number, blog: number): string[] =>
      [`${shop}/api/r${api}/v${api}`, `${shop}/api/r${api}/v${api}`, `${shop}/web/r${web}/v${web}`, `blog/web/r${blog}/v${blog}`].sort();
    const settle = async (what: string, want: string[]): Promise<void> => {
      let last: Awaited<ReturnType<typeof scraped>> | undefined;
      try {
        await waitFor(what, async () => {
          last = await scraped(server);
          return JSON.stringify(last.series) === JSON.stringify(want) && last.up === 4 && last.down === 0 ? true : undefined;
        }, 40_000);
      } catch (err) {
        throw new Error(`${what}: Prometheus has ${JSON.stringify(last)}, wanted ${JSON.stringify(want)} with 4 targets up`, { cause: err });
      }
    };

    for (let v = 1; v <= 3; v++) {
      await write(v);
      const deployed = await cli(p, ['deploy']);
      assert.equal(deployed.code, 0, `deploy v${v}: ${deployed.stdout}${deployed.stderr}`);
      const blog = await cliOn(p, blogConfig, ['deploy']);
      assert.equal(blog.code, 0, `blog deploy v${v}: ${blog.stdout}${blog.stderr}`);
      await settle(`after deploy ${v}`, expect(v, v, v));
    }
    const back = await cli(p, ['rollback', 'api']);
    assert.equal(back.code, 0, `${back.stdout}${back.stderr}`);
    await settle('after the rollback of api', expect(2, 3, 3));

    // python's http.server has no `metrics:`: never a target.
    const targets = (await server.get('/api/v1/targets?state=any')) as { activeTargets: { labels: Record<string, string> }[] };
    assert.ok(targets.activeTargets.length > 0);
    assert.ok(!targets.activeTargets.some((t) => t.labels['service'] === 'files'), 'the service without metrics: is not scraped');
  } finally {
    await prom?.stop();
    await destroyProject(p);
  }
});
