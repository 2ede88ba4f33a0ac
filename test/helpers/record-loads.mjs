// Preload (`node --import ./record-loads.mjs ...`) that appends every module a process loads
// to the file named by SLIPWAY_LOADED_LOG, one URL or path a line, as it loads: ES modules
// through a resolve hook (on the hooks thread), CommonJS through Module._load (main thread).
// Child processes inherit it through entryArgv (it copies --import flags) and the environment.
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';

const log = process.env.SLIPWAY_LOADED_LOG;
if (log) {
  register('./record-loads-hooks.mjs', import.meta.url, { data: { log } });
  const Module = createRequire(import.meta.url)('node:module');
  const original = Module._load;
  const seen = new Set();
  Module._load = function recordLoad(request, parent, isMain) {
    const result = original.apply(this, arguments);
    try {
      const file = Module._resolveFilename(request, parent, isMain);
      if (!seen.has(file)) {
        seen.add(file);
        appendFileSync(log, `${process.pid} ${file}\n`);
      }
    } catch {
      // a built-in or an unresolvable request: nothing to record
    }
    return result;
  };
}
