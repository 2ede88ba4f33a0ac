// Module hooks for record-loads.mjs: records each resolved ES module URL once per process.
import { appendFileSync } from 'node:fs';

let log;
const seen = new Set();

export function initialize(data) {
  log = data.log;
}

export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  if (log && !seen.has(result.url)) {
    seen.add(result.url);
    appendFileSync(log, `${process.pid} ${result.url}\n`);
  }
  return result;
}
