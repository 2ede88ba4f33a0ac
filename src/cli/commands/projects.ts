import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline/promises';
import { SlipwayError } from '../../errors.js';
import type { CommandSpec } from '../command-spec.js';
import { EXIT } from '../exit-codes.js';

/** Asks to type the service's name; without a terminal the removal needs --yes. */
async function confirm(service: string): Promise<void> {
  if (!process.stdin.isTTY) {
    throw new SlipwayError('SLW_CONFIRMATION_REQUIRED', `Removing ${service} stops it and deletes its releases, and there is no terminal to confirm it on.`);
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`This stops ${service} and deletes its releases. Type its name to go on: `);
    if (answer.trim() !== service) throw new SlipwayError('SLW_CONFIRMATION_REQUIRED', `Removal of ${service} not confirmed; nothing changed.`);
  } finally {
    rl.close();
  }
}

/** Whether the config file still declares the service (read cheaply: YAML only, no validation). */
async function stillConfigured(file: string, service: string): Promise<boolean> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) return false;
  const { parseYaml } = await import('../../config/yaml-adapter.js');
  // Only looked into: services is checked to be an object before it is read.
  const data = parseYaml(text).data as { services?: Record<string, unknown> } | undefined;
  return typeof data?.services === 'object' && data.services !== null && Object.hasOwn(data.services, service);
}

/** `slipway projects`, `slipway projects remove NAME`: the projects that share this host's daemon and proxy. */
export const projectsCommands: CommandSpec[] = [
  {
    name: 'projects',
    summary: 'list the projects on this host: their config file, services and instances',
    args: [],
    options: [],
    run: async (ctx) => {
      const { projects } = await ctx.api.call('projects.list', {});
      if (ctx.json) {
        ctx.out(JSON.stringify({ ok: true, projects }));
        return EXIT.ok;
      }
      if (projects.length === 0) {
        ctx.out('no project on this host yet (`slipway deploy` in a project folder registers it)');
        return EXIT.ok;
      }
      for (const p of projects) {
        const name = p.name === '' ? '(unnamed: state of before projects)' : p.name;
        ctx.out(`${name}  ${p.serving}/${p.services} services serving, ${p.instances} instances  ${p.configFile ?? ''}${p.env ? ` --env ${p.env}` : ''}`);
      }
      return EXIT.ok;
    },
  },
  {
    name: 'remove',
    summary: 'remove a service: its routes leave the proxy, its instances stop (drained), its releases go; volumes stay unless --volumes',
    args: [{ name: 'service', required: true, description: 'the service (`slipway status` lists them)' }],
    options: [
      { name: 'volumes', type: 'boolean', description: 'also delete its volumes (not one another service still uses)' },
      { name: 'yes', type: 'boolean', description: 'do not ask for confirmation (needed without a terminal)' },
    ],
    run: async (ctx, input) => {
      const service = input.args['service'] ?? '';
      if (input.options['yes'] !== true) await confirm(service);
      const r = await ctx.api.call('service.remove', { ...ctx.scope, service, ...(input.options['volumes'] === true ? { volumes: true } : {}) });
      const still = await stillConfigured(ctx.configFile, service);
      if (ctx.json) ctx.out(JSON.stringify({ ok: true, ...r, stillInConfig: still }));
      else {
        ctx.out(`removed ${r.service}: ${r.stopped} instance(s) stopped, ${r.releases} release(s) deleted${r.volumes.length ? `, volumes deleted: ${r.volumes.join(', ')}` : ''}${r.keptVolumes.length ? `, volumes kept: ${r.keptVolumes.join(', ')}` : ''}`);
        if (still) ctx.out(`note: ${service} is still in ${ctx.configFile}; the next \`slipway deploy\` of every service brings it back`);
      }
      return EXIT.ok;
    },
  },
  {
    name: 'volumes',
    summary: 'list the project\'s volumes: persistent directories kept across releases, rollbacks and project removal',
    args: [],
    options: [],
    run: async (ctx) => {
      const { volumes } = await ctx.api.call('volumes', ctx.scope);
      if (ctx.json) ctx.out(JSON.stringify({ ok: true, volumes }));
      else if (volumes.length === 0) ctx.out('no volume yet (`volumes:` of a service makes one at its next deploy)');
      else for (const v of volumes) ctx.out(`${v.name}  ${v.bytes} bytes  used by ${v.services.join(', ') || 'no serving release'}  ${v.dir}`);
      return EXIT.ok;
    },
  },
  {
    name: 'projects remove',
    summary: 'stop a project\'s instances, take its routes out of the proxy and forget it (other projects keep serving)',
    args: [{ name: 'name', required: true, description: 'the project (`slipway projects` lists them)' }],
    options: [],
    run: async (ctx, input) => {
      const result = await ctx.api.call('projects.remove', { name: input.args['name'] ?? '' });
      ctx.out(ctx.json ? JSON.stringify({ ok: true, ...result }) : `removed project ${result.removed}: ${result.stopped} instance(s) stopped, its routes are gone`);
      return EXIT.ok;
    },
  },
];
