import type { ServiceSpec } from '../config/model.js';
import { deployLevels } from './deploy-levels.js';

/**
 * The order a deploy of every service goes in: level by level of the dependsOn graph (the
 * services of one level deploy side by side), in file order inside a level.
 */
export function deployOrder(services: Readonly<Record<string, Pick<ServiceSpec, 'dependsOn'>>>): string[] {
  return deployLevels(services, dependencyOrder(services)).flat();
}

/**
 * Each service after the ones it depends on, otherwise in file order (a stable topological
 * sort; the config loader has already refused unknown names and circles, so every service is placed).
 */
function dependencyOrder(services: Readonly<Record<string, Pick<ServiceSpec, 'dependsOn'>>>): string[] {
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
