import type { ServiceSpec } from '../config/model.js';

/**
 * The services of a stack deploy in topological levels of their `dependsOn` graph: level 0
 * depends on none of the others, level n on something in level n-1 (and nothing later). The
 * services of one level are independent of each other, so they deploy side by side. `order`
 * is the deploy order (deployOrder), which every level keeps.
 */
export function deployLevels(services: Readonly<Record<string, Pick<ServiceSpec, 'dependsOn'>>>, order: readonly string[]): string[][] {
  const level = new Map<string, number>();
  for (const name of order) {
    const deps = (services[name]?.dependsOn ?? []).filter((d) => level.has(d));
    level.set(name, deps.length === 0 ? 0 : Math.max(...deps.map((d) => level.get(d) ?? 0)) + 1);
  }
  const levels: string[][] = [];
  for (const name of order) (levels[level.get(name) ?? 0] ??= []).push(name);
  return levels.filter((l) => l !== undefined);
}

/**
 * Runs `fn` over `items` with at most `limit` at a time, in order of start; once `stop()` says
 * so, items not yet started are left out. Results keep the items' order (undefined: left out).
 */
export async function boundedAll<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>, stop: () => boolean): Promise<(R | undefined)[]> {
  const results: (R | undefined)[] = items.map(() => undefined);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length && !stop()) {
      const n = next++;
      results[n] = await fn(items[n] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
