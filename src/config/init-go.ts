/** `slipway init` for Go: `go build` of the main package into the release, then the binary. */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { exists, readText, type AppGuess } from './init-guess.js';

const PORT_HINT = 'listen on it: `http.ListenAndServe("127.0.0.1:"+os.Getenv("PORT"), handler)`.';

export async function detectGo(root: string): Promise<AppGuess | undefined> {
  const hasModule = await exists(join(root, 'go.mod'));
  const rootMain = await hasMainPackage(root);
  if (!hasModule && !rootMain) return undefined;
  const notes: string[] = [];
  let pkg = rootMain ? '.' : undefined;
  if (!pkg) {
    const commands = await mainCommands(root);
    pkg = commands[0] ? `./cmd/${commands[0]}` : '.';
    if (commands.length > 1) notes.push(`Several commands under cmd/ (${commands.join(', ')}): build uses ${pkg}; change it if the server is another.`);
    if (commands.length === 0) notes.push('No main package found: edit `build:` to the package of your server.');
  }
  if (!hasModule) notes.push('No go.mod: `go build` needs one (`go mod init <name>`).');
  return { kind: 'go', run: './bin/app', build: `go build -o bin/app ${pkg}`, env: {}, notes, commandReadsPort: false, portHint: PORT_HINT };
}

async function hasMainPackage(dir: string): Promise<boolean> {
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names.filter((n) => n.endsWith('.go') && !n.endsWith('_test.go'))) {
    if (/^package main\b/m.test((await readText(dir, name)) ?? '')) return true;
  }
  return false;
}

async function mainCommands(root: string): Promise<string[]> {
  const names = await readdir(join(root, 'cmd')).catch(() => [] as string[]);
  const out: string[] = [];
  for (const name of names.sort()) if (await hasMainPackage(join(root, 'cmd', name))) out.push(name);
  return out;
}
