import type { AlertsList } from '../../api/schemas.js';
import { SlipwayError } from '../../errors.js';
import { formatDuration, parseDuration } from '../../lib/duration.js';
import type { CommandSpec } from '../command-spec.js';
import { EXIT } from '../exit-codes.js';
import { renderNotifier } from '../render/notifier.js';

function render(l: AlertsList): string {
  const alerts = l.alerts.length === 0 ? ['no alert pending or firing'] : l.alerts.map((a) => `${a.state.padEnd(7)} ${a.rule} ${a.service} since ${a.since} (value ${a.value})${a.silenced ? ' silenced' : ''}`);
  const silences = l.silences.map((s) => `silence ${s.rule}${s.service ? ` ${s.service}` : ''} until ${s.expiresAt}`);
  const notifiers = l.notifiers.map(renderNotifier);
  const rules = `rules: ${l.rules.map((r) => `${r.name} (${r.severity}, for ${formatDuration(r.forMs)}${r.held ? ', held during deploys' : ''})`).join(', ')}`;
  return [...alerts, ...silences, ...notifiers, rules].join('\n');
}

/** `slipway alerts list | silence <rule> [service] --for 1h | test <notifier>`. */
export const alertsCommands: CommandSpec[] = [
  {
    name: 'alerts list',
    summary: 'show alerts pending or firing, silences, notifiers and their health, and the rules',
    args: [],
    options: [],
    run: async (ctx) => {
      const list = await ctx.api.call('alerts.list', {});
      ctx.out(ctx.json ? JSON.stringify({ ok: true, ...list }) : render(list));
      return EXIT.ok;
    },
  },
  {
    name: 'alerts silence',
    summary: 'keep a rule out of notifications for a while (--for 1h)',
    args: [
      { name: 'rule', required: true, description: 'the rule (see `slipway alerts list`)' },
      { name: 'service', required: false, description: 'only for this service (default: every service)' },
    ],
    options: [{ name: 'for', type: 'string', description: 'how long, e.g. 30m, 1h, 2d (default 1h)' }],
    run: async (ctx, input) => {
      const text = typeof input.options['for'] === 'string' ? input.options['for'] : '1h';
      const forMs = parseDuration(text);
      if (forMs === undefined || forMs <= 0) throw new SlipwayError('SLW_USAGE', `--for ${text} is not a duration.`, { hint: 'Write a duration with a unit: 30m, 1h, 2d.' });
      const service = input.args['service'];
      const { silence } = await ctx.api.call('alerts.silence', { rule: input.args['rule'] ?? '', forMs, ...(service ? { service } : {}) });
      ctx.out(ctx.json ? JSON.stringify({ ok: true, silence }) : `silenced ${silence.rule}${silence.service ? ` for ${silence.service}` : ''} until ${silence.expiresAt}`);
      return EXIT.ok;
    },
  },
  {
    name: 'alerts test',
    summary: 'send a test notification to one notifier (retries included)',
    args: [{ name: 'notifier', required: true, description: 'its name (alerts.notify[].name, else its type)' }],
    options: [],
    run: async (ctx, input) => {
      const notifier = input.args['notifier'] ?? '';
      await ctx.api.call('alerts.test', { notifier });
      ctx.out(ctx.json ? JSON.stringify({ ok: true, notifier, delivered: true }) : `test notification delivered to ${notifier}`);
      return EXIT.ok;
    },
  },
];
