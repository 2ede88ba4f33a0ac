import { toYamlDocument } from '../../config/yaml-adapter.js';
import { prometheusRuleFile } from '../../observability/alert-rules.js';
import { grafanaDashboard } from '../../observability/grafana-dashboard.js';
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
      const dashboard = grafanaDashboard();
      ctx.out(ctx.json ? JSON.stringify({ ok: true, dashboard }) : JSON.stringify(dashboard, null, 2));
      return EXIT.ok;
    },
  },
];
