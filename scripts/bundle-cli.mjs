// Bundles the compiled CLI (dist/src/cli/main.js, from tsc) into dist/src/cli-bundle/: one file
// for what every command loads and one chunk per lazily imported part (a command group, help,
// the config schemas...), so that Node's ESM loader places a handful of files instead of ~40
// (docs/design.md, "Lean processes"; BENCHMARKS.md, "CLI start-up"). npm packages stay external:
// they load from node_modules, lazily, as before. bin/slipway.js runs the bundle.
//
// The output sits in dist/src/ on purpose: src/lib/entry-points.ts resolves the daemon, proxy and
// config-checker entry points as ../daemon/main.js etc. next to its own import.meta.url, which
// from a chunk in dist/src/cli-bundle/ is dist/src/daemon/main.js, the compiled (unbundled) file.
//
//   node scripts/bundle-cli.mjs      # after `tsc -p tsconfig.json` (npm run build, prepare, scripts/test.sh)
// Plain JavaScript, so that it runs wherever tsc has run (npm ci's prepare, npm pack) with no loader.
import { build } from 'esbuild';
import { access, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const entry = `${root}dist/src/cli/main.js`;
const outdir = `${root}dist/src/cli-bundle`;

try {
  await access(entry);
} catch {
  console.error(`bundle-cli: ${entry} is missing; run \`npx tsc -p tsconfig.json\` first.`);
  process.exit(1);
}

// Chunks of an earlier build would otherwise stay behind (and go into the npm tarball).
await rm(outdir, { recursive: true, force: true });

const result = await build({
  entryPoints: [entry],
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  outdir,
  entryNames: '[name]',
  chunkNames: '[name]-[hash]',
  minify: false,
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'silent',
  metafile: true,
});

// Every warning is a question nobody answered (a dynamic import esbuild cannot follow, say):
// fail the build rather than ship a CLI that breaks on one command.
if (result.warnings.length > 0) {
  for (const w of result.warnings) {
    const where = w.location ? `${w.location.file}:${w.location.line}: ` : '';
    console.error(`bundle-cli: warning: ${where}${w.text}`);
  }
  await rm(outdir, { recursive: true, force: true });
  process.exit(1);
}

const outputs = Object.keys(result.metafile.outputs);
const inputs = Object.keys(result.metafile.inputs).length;
console.log(`bundle-cli: ${inputs} modules → ${outputs.length} files in dist/src/cli-bundle/`);
