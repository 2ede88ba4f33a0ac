/**
 * The apps' own metrics endpoints as Prometheus HTTP service discovery (`http_sd_configs`):
 * one target group per instance that takes traffic — the active release's and a canary's —
 * of every service with `metrics:`, in every project on the host. An instance moves to a new
 * port with every release; Prometheus re-reads this list and follows it without a config change.
 * Warm instances of a previous release are left out: they serve nothing, and their counters
 * would stand beside the new release's as if both were live.
 */
import type { MetricsStore } from './store-metrics.js';
import { compareText } from '../lib/text-order.js';

/** One entry of the http_sd format: targets sharing one label set. */
export interface TargetGroup {
  readonly targets: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
}

export interface ProjectMetricsView {
  readonly project: string;
  readonly store: MetricsStore;
}

export function appTargetGroups(projects: readonly ProjectMetricsView[]): TargetGroup[] {
  const groups: TargetGroup[] = [];
  for (const { project, store } of projects) {
    for (const service of store.services()) {
      for (const releaseId of [service.activeRelease, service.canary?.release]) {
        if (releaseId === undefined) continue;
        const release = store.release(service.name, releaseId);
        const metrics = release?.spec.metrics;
        if (!metrics) continue;
        const instances = store.instances({ service: service.name, releaseId }).filter((i) => (i.state === 'healthy' || i.state === 'unhealthy') && i.handle);
        for (const instance of instances.sort((a, b) => compareText(a.id, b.id))) {
          const { host, port } = instance.handle!.address;
          groups.push({
            targets: [`${host.includes(':') ? `[${host}]` : host}:${port}`],
            labels: {
              __metrics_path__: metrics.path,
              ...(project === '' ? {} : { project }),
              service: service.name,
              release: releaseId,
              slipway_instance: instance.id,
            },
          });
        }
      }
    }
  }
  return groups;
}
