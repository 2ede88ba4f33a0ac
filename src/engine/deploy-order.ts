import type { ServiceSpec } from '../config/model.js';

/**
 * The order a deploy of every service goes in: each service after the ones it depends on,
 * otherwise in file order (a stable topological sort; the config loader has already refused
 * unknown names and circles, so every service is placed).
 */
export function deployOrder(services: Readonly<Record<string, Pick<ServiceSpec, 'dependsOn'>>>): string[] {
  const names = Object.keys(services);
  const placed = new Set<string>();
  const order: string[] = [];
  while (order.length < names.length) {
    const next = names.find((n) => !placed.has(n) && (services[n]?.dependsOn ?? []).every((d) => placed.has(d) || !(d in services)));
    // A circle the loader would have refused: place the rest in file order rather than loop.
    const name = next ?? names.find((n) => !placed.has(n));
    if (name === undefined) break;
    placed.add(name);
    order.push(name);
  }
  return order;
}
