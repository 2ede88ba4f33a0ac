// Issue 14: 20 deploy cycles of a container service on Podman under light load leak nothing.
// Each cycle changes the service's env (a new release, a new container); afterwards the
// engine holds the active and the warm container only (no exited ones, no anonymous volumes),
// one conmon per running container, and the daemon's open file descriptors and memory stay
// where they were after the first cycles. 0 failed requests throughout. Kept lean: an
// `image:` service (no builds), one instance, health every 100 ms, no watch window.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { cli, daemonPid, destroyProject, makeProject, releasesOf, type Project } from '../helpers/e2e-project.js';
import { LoadGenerator } from '../helpers/load.js';
import { BUSYBOX_IMAGE, PodmanLab } from '../helpers/podman-lab.js';
import { httpAnswer } from '../helpers/http-answer.js';

const CYCLES = 20;
const APP = 'echo "web $NOTE" > /www/index.html && trap "exit 0" TERM; httpd -f -p "$PORT" -h /www & wait';

function config(p: Project, note: string): string {
  return `version: 1
proxy: { http: ${p.port}, host: 127.0.0.1 }
services:
  web:
    image: ${BUSYBOX_IMAGE}
    run: [sh, -c, '${APP}']
    routes: [{ host: web.localhost }]
    health: { path: /, interval: 100ms, timeout: 1s, rise: 1, fall: 2, startTimeout: 30s }
    instances: 1
    drain: 500ms
    watch: 0s
    keepWarm: 10m
    stopTimeout: 2s
    env: { NOTE: ${note} }
`;
}

interface Footprint {
  readonly fds: number;
  readonly rssKiB: number;
  readonly containers: number;
  readonly running: number;
  readonly conmons: number;
  readonly volumes: number;
  readonly releases: number;
}

async function conmonsOf(lab: PodmanLab): Promise<number> {
  let count = 0;
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.startsWith('/usr/bin/conmon') || cmdline.startsWith('conmon')) if (cmdline.includes(lab.dir)) count++;
  }
  return count;
}

async function footprint(p: Project, lab: PodmanLab, owner: string): Promise<Footprint> {
  const pid = await daemonPid(p);
  assert.ok(pid);
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const running = (await lab.podman(['ps', '-q', '--filter', `label=${owner}`])).split('\n').filter(Boolean).length;
  return {
    fds: (await readdir(`/proc/${pid}/fd`)).length,
    rssKiB: Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0),
    containers: (await lab.containers(owner)).length,
    running,
    conmons: await conmonsOf(lab),
    volumes: (await lab.podman(['volume', 'ls', '-q'])).split('\n').filter(Boolean).length,
    releases: (await readdir(releasesOf(p, 'web'))).length,
  };
}

/**
 * The footprint once the replaced container is gone: a deploy returns when the new release
 * serves, and the one it replaces is drained and stopped after that (drain + stopTimeout), so a
 * third container may still be stopping. Polled for up to 15 s; the last reading is returned.
 */
async function settledFootprint(p: Project, lab: PodmanLab, owner: string): Promise<Footprint> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const f = await footprint(p, lab, owner);
    if ((f.containers <= 2 && f.running <= 2 && f.conmons <= 2) || Date.now() > deadline) return f;
    await sleep(250);
  }
}

test(`containers: ${CYCLES} deploy cycles under load leak no container, volume, conmon, descriptor or memory`, { timeout: 240_000 }, async (t) => {
  const lab = await PodmanLab.start();
  const p = await makeProject();
  const env = { SLIPWAY_CONTAINER_SOCKET: lab.socketPath, SLIPWAY_CONTAINER_NETWORK: 'slirp4netns' };
  const owner = `slipway.owner=${p.stateDir}`;
  let load: LoadGenerator | undefined;
  try {
    await writeFile(p.configFile, config(p, 'v0'));
    assert.equal((await cli(p, ['daemon', '--detach'], env)).code, 0);
    const first = await cli(p, ['deploy', '--json']);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    load = new LoadGenerator({ port: p.port, host: 'web.localhost', rps: 20, loops: 2 });
    let early: Footprint | undefined;
    for (let cycle = 1; cycle <= CYCLES; cycle++) {
      await writeFile(p.configFile, config(p, `v${cycle}`));
      const deploy = await cli(p, ['deploy', '--json']);
      assert.equal(deploy.code, 0, `cycle ${cycle}: ${deploy.stdout}${deploy.stderr}`);
      const res = await httpAnswer({ host: '127.0.0.1', port: p.port, path: '/', headers: { host: 'web.localhost' } });
      assert.equal(`${res.status} ${res.body.trim()}`, `200 web v${cycle}`, `cycle ${cycle} serves its release`);
      if (cycle === 5) early = await settledFootprint(p, lab, owner);
    }
    await load.stop();
    assert.deepEqual(load.failures, [], 'no request failed across the cycles');
    assert.ok(load.ok > 100, `the load ran (${load.ok} answered)`);
    const answered = load.ok;
    load = undefined;

    const late = await settledFootprint(p, lab, owner);
    assert.ok(early);
    t.diagnostic(`cycle 5: ${JSON.stringify(early)}; cycle ${CYCLES}: ${JSON.stringify(late)}; ${answered} requests answered`);
    assert.equal(late.containers, 2, 'the active and the warm container only: every replaced one was removed');
    assert.equal(late.running, 2);
    assert.equal(late.conmons, 2, 'one conmon per running container');
    assert.equal(late.volumes, early.volumes, 'no anonymous volume left behind');
    assert.ok(late.releases <= early.releases + 1, `release folders bounded by retention (${early.releases} → ${late.releases})`);
    assert.ok(late.fds <= early.fds + 8, `daemon file descriptors bounded (${early.fds} at cycle 5 → ${late.fds} at cycle ${CYCLES})`);
    assert.ok(late.rssKiB <= early.rssKiB * 1.3 + 16 * 1024, `daemon memory bounded (${early.rssKiB} KiB → ${late.rssKiB} KiB)`);
  } finally {
    await load?.stop();
    await destroyProject(p);
    await lab.stop();
  }
});
