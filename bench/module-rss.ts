// What a group of modules costs a Node process: imports each comma-separated group in turn (paths
// from the repository root, or package paths under node_modules), and prints the RSS after each,
// after a full GC. Run with --expose-gc, from the repository root, after `npm run build`:
//   node --expose-gc dist/bench/module-rss.js undici/lib/dispatcher/pool.js,undici/lib/api/api-stream.js \
//     dist/src/proxy/run.js dist/src/proxy/protocol.js dist/src/lib/logger.js
// Each figure is one process's VmRSS in MB; compare a group with the one before it, in the same line.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const rss = (): string => {
  gc();
  return (process.memoryUsage().rss / 1048576).toFixed(1);
};

const where = (spec: string): string => {
  const local = resolve(spec);
  return pathToFileURL(existsSync(local) ? local : resolve('node_modules', spec)).href;
};

await sleep(200);
const out = [`bare ${rss()}`];
for (const group of process.argv.slice(2)) {
  for (const spec of group.split(',')) await import(where(spec));
  await sleep(300);
  out.push(`+${group} ${rss()}`);
}
console.log(out.join('\n'));
