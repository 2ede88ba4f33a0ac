import type { CommandSpec } from '../command-spec.js';
import { EXIT } from '../exit-codes.js';

/** Files for a Prometheus stack of the user's; they need no daemon and no config. */
export const exportCommands: CommandSpec[] = [
  {
    name: 'export prometheus-rules',
    summary: 'print the built-in alert rules as a Prometheus rule file (YAML)',
    args: [],
    options: [],
    run: async (ctx) => {
      const [{ prometheusRuleFile }, { toYamlDocument }] = await Promise.all([import('../../observability/alert-rules.js'), import('../../config/yaml-adapter.js')]);
      const file = prometheusRuleFile();
      ctx.out(ctx.json ? JSON.stringify({ ok: true, rules: file }) : toYamlDocument(file));
      return EXIT.ok;
    },
  },
  {
    name: 'export grafana-dashboard',
    summary: 'print a Grafana dashboard (JSON) over the metrics slipway exports',
    args: [],
    options: [],
    run: async (ctx) => {
      const { grafanaDashboard } = await import('../../observability/grafana-dashboard.js');
      const dashboard = grafanaDashboard();
      ctx.out(ctx.json ? JSON.stringify({ ok: true, dashboard }) : JSON.stringify(dashboard, null, 2));
      return EXIT.ok;
    },
  },
];
