// `slipway history` says who ran each deploy and rollback: the user and host the CLI ran as,
// and the CI run when the CLI ran in one (GitHub Actions' variables here). Two services (python's
// http.server and a Node app); the records survive a daemon restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { ciOf } from '../../src/cli/actor.js';
import { cli, destroyProject, makeProject, serviceYaml, setVersion } from '../helpers/e2e-project.js';

test('the CI run is named from the variables each CI system sets', () => {
  assert.equal(ciOf({ GITHUB_ACTIONS: 'true', GITHUB_REPOSITORY: 'acme/shop', GITHUB_RUN_ID: '42', CI: 'true' }), 'github-actions acme/shop run 42');
  assert.equal(ciOf({ GITLAB_CI: 'true', CI_PROJECT_PATH: 'acme/shop', CI_PIPELINE_ID: '7', CI: 'true' }), 'gitlab-ci acme/shop pipeline 7');
  assert.equal(ciOf({ CI: 'true' }), 'ci');
  assert.equal(ciOf({ CI: 'false' }), undefined);
  assert.equal(ciOf({}), undefined);
});

test('history records who deployed and rolled back, with the CI run when there was one', { timeout: 180_000 }, async () => {
  const p = await makeProject();
  try {
    await mkdir(join(p.dir, 'files'), { recursive: true });
    await writeFile(join(p.dir, 'files', 'index.html'), 'files\n');
    const files = ['  files:', '    source: ./files', '    run: exec python3 -m http.server $PORT --bind 127.0.0.1', '    routes: [{ host: files.localhost }]', '    health: { path: /, interval: 200ms, rise: 1 }', '    drain: 1s', '    watch: 1s'].join('\n');
    await writeFile(p.configFile, `version: 1\nproxy: { http: ${p.port}, host: 127.0.0.1 }\nservices:\n${serviceYaml('web', { instances: 1, drain: '1s' })}${files}\n`);
    await setVersion(p, 'v1');
    assert.equal((await cli(p, ['daemon', '--detach'])).code, 0);
    const github = { GITHUB_ACTIONS: 'true', GITHUB_REPOSITORY: 'acme/shop', GITHUB_RUN_ID: '4242', CI: 'true' };
    const first = await cli(p, ['deploy', '--json'], github);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    await setVersion(p, 'v2');
    const local = { GITHUB_ACTIONS: '', CI: '', GITLAB_CI: '', BUILDKITE: '', CIRCLECI: '', JENKINS_URL: '' };
    assert.equal((await cli(p, ['deploy', 'web', '--json'], local)).code, 0);
    assert.equal((await cli(p, ['rollback', 'web', '--json'], local)).code, 0);
    // A restarted daemon reads the same records.
    assert.equal((await cli(p, ['stop', '--keep-apps'])).code, 0);
    assert.equal((await cli(p, ['daemon', '--detach'])).code, 0);

    const history = await cli(p, ['history', '--json']);
    assert.equal(history.code, 0, history.stderr);
    const me = { user: userInfo().username, host: hostname() };
    const rows = (history.json.deployments as { service: string; kind: string; actor?: { user: string; host: string; ci?: string } }[]).map((d) => [d.service, d.kind, d.actor]);
    assert.deepEqual(rows.reverse(), [
      // The first deploy of both services is one stack deployment.
      ['web,files', 'deploy', { ...me, ci: 'github-actions acme/shop run 4242' }],
      ['web', 'deploy', me],
      ['web', 'rollback', me],
    ]);
    const filesHistory = await cli(p, ["history", "files", "--json"]);
    assert.deepEqual(filesHistory.json.deployments.map((d: { actor?: { ci?: string } }) => d.actor?.ci), ['github-actions acme/shop run 4242'], 'each service of the stack records the actor too');
    const text = await cli(p, ['history']);
    assert.match(text.stdout, new RegExp(`rollback .* by ${me.user}@${me.host.replace(/[.]/g, '\\.')}$`, 'm'));
    assert.match(text.stdout, /by .*\(github-actions acme\/shop run 4242\)$/m);
  } finally {
    await destroyProject(p);
  }
});
