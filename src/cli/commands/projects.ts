import type { CommandSpec } from '../command-spec.js';
import { EXIT } from '../exit-codes.js';

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
