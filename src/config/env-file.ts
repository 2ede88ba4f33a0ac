/**
 * dotenv files (`envFile:`): NAME=value per line, `export ` allowed, # comments and blank lines
 * ignored, values optionally in '…' (literal) or "…" (\n, \t, \\ and \" escapes). No ${...}
 * expansion. Problems name the line, never the value.
 */
const LINE = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/;

export interface EnvFileProblem {
  readonly line: number;
  readonly message: string;
}

export interface ParsedEnvFile {
  readonly values: Record<string, string>;
  readonly problems: EnvFileProblem[];
}

/** Names that would reach or replace an object's prototype. */
const RESERVED_NAMES = new Set(['__proto__', 'constructor', 'prototype']);

export function parseEnvFile(text: string): ParsedEnvFile {
  const values: Record<string, string> = {};
  const problems: EnvFileProblem[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const m = LINE.exec(line);
    if (!m) {
      problems.push({ line: i + 1, message: 'is not NAME=value' });
      return;
    }
    const [, name = '', rest = ''] = m;
    if (RESERVED_NAMES.has(name)) {
      problems.push({ line: i + 1, message: `${name} is a reserved name` });
      return;
    }
    const value = unquote(rest);
    if (value === undefined) problems.push({ line: i + 1, message: `${name} has a quote that is never closed` });
    else values[name] = value;
  });
  return { values, problems };
}

function unquote(rest: string): string | undefined {
  const q = rest[0];
  if (q === "'" || q === '"') {
    const end = rest.indexOf(q, 1);
    if (q === '"') {
      const m = /^"((?:[^"\\]|\\.)*)"/.exec(rest);
      if (!m) return undefined;
      return (m[1] ?? '').replace(/\\(.)/g, (_s, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : c));
    }
    return end < 0 ? undefined : rest.slice(1, end);
  }
  return rest.replace(/\s+#.*$/, '').trim();
}
