import type { CommandSpec } from '../command-spec.js';
import { EXIT } from '../exit-codes.js';

/** `slipway dashboard token`: creates or rotates the dashboard's access token. */
export const dashboardCommands: CommandSpec[] = [
  {
    name: 'dashboard token',
    summary: 'create or rotate the web dashboard\'s access token (shown once; every session of the old one ends)',
    args: [],
    options: [],
    run: async (ctx) => {
      const made = await ctx.api.call('dashboard.token', {});
      ctx.out(
        ctx.json
          ? JSON.stringify({ ok: true, ...made })
          : [
              made.token,
              `created ${made.createdAt}; ${made.endedSessions} session(s) of the old token ended.`,
              'Only its hash is kept: store the token now (a password manager); `slipway dashboard token` again makes a new one.',
            ].join('\n'),
      );
      return EXIT.ok;
    },
  },
];
