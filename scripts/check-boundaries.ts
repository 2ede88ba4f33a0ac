/**
 * The import boundaries of src/ (STYLE.md "Layout"), checked on every `npm test`:
 * each rule names a folder and the folders it must not import from; "value" rules let
 * `import type` through (types vanish at run time), the others refuse every import.
 * Also refuses any cycle between top-level folders through value imports.
 * Exits 1 and lists every breach.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

interface Rule {
  readonly from: string;
  readonly not: readonly string[];
  readonly valueOnly: boolean;
  readonly why: string;
  /** Modules of a forbidden folder that are shared vocabulary (data and pure functions, no subsystem started). */
  readonly allow?: readonly string[];
}

const SUBSYSTEMS = ['engine', 'daemon', 'cli', 'drivers', 'store', 'observability', 'backup', 'certs', 'proxy'];

export const RULES: readonly Rule[] = [
  { from: 'proxy', not: ['engine', 'daemon', 'cli', 'store', 'backup', 'drivers'], valueOnly: false, why: 'the data plane runs alone; it knows only its protocol' },
  { from: 'engine', not: ['daemon', 'cli'], valueOnly: false, why: 'the engine is wired by the daemon, never the other way' },
  {
    from: 'config',
    not: SUBSYSTEMS,
    valueOnly: true,
    why: 'config describes; it runs no subsystem code',
    // What config validates against is defined once, beside the code that uses it at run time:
    // header presets, limit defaults, alert signal names and built-in rules (data and parsers), the
    // proxy's file names, and the PATH and PostgreSQL-tool lookups preflight (stage 4) makes.
    allow: [
      'proxy/response-policy/presets',
      'proxy/admission/limit-defaults',
      'proxy/paths',
      'observability/alerting/signals',
      'observability/alerting/builtin-rules',
      'backup/tools',
      'backup/pg-tools',
    ],
  },
  { from: 'drivers/local', not: ['drivers/fake', 'drivers/container'], valueOnly: false, why: 'drivers never import each other' },
  { from: 'drivers/fake', not: ['drivers/local', 'drivers/container'], valueOnly: false, why: 'drivers never import each other' },
  { from: 'drivers/container', not: ['drivers/local', 'drivers/fake'], valueOnly: false, why: 'drivers never import each other' },
  { from: 'api', not: ['daemon', 'cli', 'engine', 'store', 'proxy', 'drivers'], valueOnly: true, why: 'the API contract stands between the CLI and the daemon' },
];

export interface Edge {
  readonly file: string;
  readonly target: string;
  readonly typeOnly: boolean;
}

function* tsFiles(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* tsFiles(path);
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) yield path;
  }
}

/** Relative imports of one file (static, re-exports and dynamic), resolved to src-relative paths. */
export function importsOf(file: string, srcRoot: string): Edge[] {
  const text = readFileSync(file, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, false);
  const edges: Edge[] = [];
  const add = (spec: string, typeOnly: boolean): void => {
    if (!spec.startsWith('.')) return;
    const target = relative(srcRoot, resolve(dirname(file), spec)).replace(/\.js$/, '').split(sep).join('/');
    edges.push({ file: relative(srcRoot, file).split(sep).join('/'), target, typeOnly });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const allTypes = clause?.isTypeOnly === true || (clause !== undefined && !clause.name && clause.namedBindings !== undefined && ts.isNamedImports(clause.namedBindings) && clause.namedBindings.elements.length > 0 && clause.namedBindings.elements.every((e) => e.isTypeOnly));
      add(node.moduleSpecifier.text, allTypes);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier.text, node.isTypeOnly);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [arg] = node.arguments;
      if (arg && ts.isStringLiteral(arg)) add(arg.text, false);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return edges;
}

const inFolder = (path: string, folder: string): boolean => path === folder || path.startsWith(`${folder}/`);
const topOf = (path: string): string => (path.includes('/') ? path.slice(0, path.indexOf('/')) : '(root)');

export function breaches(edges: readonly Edge[], rules: readonly Rule[] = RULES): string[] {
  const out: string[] = [];
  for (const e of edges) {
    for (const rule of rules) {
      if (!inFolder(e.file, rule.from) || (rule.valueOnly && e.typeOnly) || rule.allow?.includes(e.target)) continue;
      const hit = rule.not.find((f) => inFolder(e.target, f));
      if (hit) out.push(`src/${e.file} imports src/${e.target}: ${rule.from}/ must not import ${hit}/ (${rule.why})`);
    }
  }
  return out.concat(folderCycles(edges));
}

/** Cycles between top-level folders through value imports (each reported once, by its smallest folder). */
export function folderCycles(edges: readonly Edge[]): string[] {
  const graph = new Map<string, Map<string, string>>();
  for (const e of edges) {
    const a = topOf(e.file);
    const b = topOf(e.target);
    if (e.typeOnly || a === b || a === '(root)' || b === '(root)') continue;
    const out = graph.get(a) ?? new Map<string, string>();
    if (!out.has(b)) out.set(b, `src/${e.file} → src/${e.target}`);
    graph.set(a, out);
  }
  const found = new Set<string>();
  const walk = (start: string, at: string, path: string[], via: string[]): void => {
    for (const [next, example] of graph.get(at) ?? []) {
      if (next === start) {
        const loop = [...path, start];
        if (loop.every((f) => f >= start)) found.add(`folder cycle ${loop.join(' → ')} (${[...via, example].join('; ')})`);
      } else if (!path.includes(next) && next > start) walk(start, next, [...path, next], [...via, example]);
    }
  };
  for (const folder of graph.keys()) walk(folder, folder, [folder], []);
  return [...found];
}

export function checkTree(srcRoot: string): string[] {
  const edges = [...tsFiles(srcRoot)].flatMap((f) => importsOf(f, srcRoot));
  return breaches(edges);
}

if (process.argv[1] && resolve(process.argv[1]).replace(/\.js$/, '.ts') === resolve(import.meta.filename).replace(/\.js$/, '.ts')) {
  const root = resolve(process.argv[2] ?? 'src');
  const found = checkTree(root);
  if (found.length > 0) {
    process.stderr.write(`import boundaries: ${found.length} breach(es)\n${found.map((l) => `  ${l}`).join('\n')}\n`);
    process.exit(1);
  }
  process.stdout.write('import boundaries: ok\n');
}
