/**
 * `slipway init` for Python: a WSGI app (Flask, Django, Bottle, Falcon, a bare callable) runs
 * under gunicorn, an ASGI app (FastAPI, Starlette, Quart, a bare coroutine) under uvicorn, any
 * other script as itself. Requirements go into a virtualenv made inside each release.
 */
import { basename, join } from 'node:path';
import { readdir } from 'node:fs/promises';
import { exists, firstExisting, readText, type AppGuess } from './init-guess.js';

const MARKERS = ['requirements.txt', 'pyproject.toml', 'Pipfile', 'setup.py', 'manage.py'];
const ENTRY_FILES = ['app.py', 'main.py', 'wsgi.py', 'asgi.py', 'server.py', 'application.py', 'api.py'];
const VENV_PYTHON = '.venv/bin/python';
/** Console scripts a Procfile names that run the same as `python -m <name>` from the virtualenv. */
const MODULE_SCRIPTS = new Set(['gunicorn', 'uvicorn', 'hypercorn', 'celery', 'flask', 'daphne', 'rq']);

const PORT_HINT = "run it under a server given $PORT (`gunicorn --bind 127.0.0.1:$PORT app:app`, `uvicorn app:app --host 127.0.0.1 --port $PORT`), or read it in the code: `int(os.environ['PORT'])`, bound to 127.0.0.1.";

type Protocol = 'wsgi' | 'asgi';
interface Entry {
  readonly protocol: Protocol | undefined;
  /** `module:object` for a server, or the file to run. */
  readonly target: string;
}

export async function detectPython(root: string): Promise<AppGuess | undefined> {
  const marker = await firstExisting(root, MARKERS);
  const entryFile = await firstExisting(root, ENTRY_FILES);
  if (!marker && !entryFile) return undefined;
  const deps = (await Promise.all(['requirements.txt', 'pyproject.toml', 'Pipfile'].map((f) => readText(root, f)))).join('\n').toLowerCase();
  const notes: string[] = [];
  const build = await pickBuild(root, notes);
  const venv = build !== undefined;
  const entry = await findEntry(root, entryFile);
  if (!entry) {
    notes.push('No Python entry point found (app.py, main.py, wsgi.py, manage.py, …): edit `run:` to the command that starts your server.');
    return guess(venv ? `${VENV_PYTHON} main.py` : 'python3 main.py', build, notes, false, venv);
  }
  if (entry.protocol === undefined) return guess(`${venv ? VENV_PYTHON : 'python3'} ${entry.target}`, build, notes, false, venv);
  const server = entry.protocol === 'wsgi' ? 'gunicorn' : 'uvicorn';
  if (!hasDependency(deps, server)) {
    notes.push(venv || marker ? `${server} is not among the requirements: add it (it serves the ${entry.protocol.toUpperCase()} app).` : `${server} serves the ${entry.protocol.toUpperCase()} app: install it (Debian: \`apt install ${server}\`).`);
  }
  const exe = venv ? `${VENV_PYTHON} -m ${server}` : server;
  const run = server === 'gunicorn' ? `${exe} --bind 127.0.0.1:$PORT ${entry.target}` : `${exe} ${entry.target} --host 127.0.0.1 --port $PORT`;
  return guess(run, build, notes, true, venv);
}

function guess(run: string, build: string | undefined, notes: string[], commandReadsPort: boolean, venv: boolean): AppGuess {
  return { kind: 'python', run, build, env: { PYTHONUNBUFFERED: '1' }, notes, commandReadsPort, portHint: PORT_HINT, adapt: venv ? useVenv : undefined };
}

/** A virtualenv per release; Debian's own packages (apt install python3-flask) count as installed. */
async function pickBuild(root: string, notes: string[]): Promise<string | undefined> {
  const venv = 'python3 -m venv --system-site-packages .venv';
  if (await exists(join(root, 'requirements.txt'))) return `${venv} && .venv/bin/pip install -r requirements.txt`;
  const pyproject = await readText(root, 'pyproject.toml');
  if (pyproject !== undefined && /^\[(project|build-system)\]/m.test(pyproject)) return `${venv} && .venv/bin/pip install .`;
  if (await exists(join(root, 'Pipfile'))) notes.push('slipway init reads requirements.txt, not the Pipfile: write one (`pipenv requirements > requirements.txt`) and run init again.');
  return undefined;
}

function hasDependency(deps: string, name: string): boolean {
  return new RegExp(`(^|[^a-z0-9_.-])${name}([^a-z0-9_.-]|$)`, 'm').test(deps);
}

const ASGI_OBJECT = /^(\w+)\s*=\s*(?:fastapi\.)?(?:FastAPI|Starlette|Quart|Litestar|falcon\.asgi\.App)\(/m;
const WSGI_OBJECT = /^(\w+)\s*=\s*(?:flask\.)?(?:Flask|Bottle|bottle\.Bottle|falcon\.App|falcon\.API|get_wsgi_application|create_app)\(/m;
const ASGI_CALLABLE = /^async def (app|application)\(\s*scope\b/m;
const WSGI_CALLABLE = /^def (app|application)\(\s*environ\b/m;

async function findEntry(root: string, entryFile: string | undefined): Promise<Entry | undefined> {
  const django = await djangoEntry(root);
  if (django) return django;
  const candidates = [...ENTRY_FILES.filter((f) => f !== entryFile), ...(await otherPyFiles(root))];
  for (const file of entryFile ? [entryFile, ...candidates] : candidates) {
    const text = await readText(root, file);
    if (text === undefined) continue;
    const module = file.slice(0, -3);
    const asgi = ASGI_OBJECT.exec(text) ?? ASGI_CALLABLE.exec(text);
    if (asgi) return { protocol: 'asgi', target: `${module}:${asgi[1]}` };
    const wsgi = WSGI_OBJECT.exec(text) ?? WSGI_CALLABLE.exec(text);
    if (wsgi) return { protocol: 'wsgi', target: `${module}:${wsgi[1]}${/create_app\(/.test(wsgi[0]) ? '()' : ''}` };
  }
  return entryFile ? { protocol: undefined, target: entryFile } : undefined;
}

/** Django: manage.py names the settings package; gunicorn serves its wsgi module. */
async function djangoEntry(root: string): Promise<Entry | undefined> {
  const manage = await readText(root, 'manage.py');
  const settings = manage ? /DJANGO_SETTINGS_MODULE['"]\s*,\s*['"]([\w.]+)\.settings['"]/.exec(manage) : null;
  if (!settings?.[1]) return undefined;
  return { protocol: 'wsgi', target: `${settings[1]}.wsgi` };
}

async function otherPyFiles(root: string): Promise<string[]> {
  const names = await readdir(root).catch(() => [] as string[]);
  return names.filter((n) => n.endsWith('.py') && !ENTRY_FILES.includes(n) && basename(n) !== 'setup.py').sort();
}

/** `gunicorn app:app …` from a Procfile → `.venv/bin/python -m gunicorn app:app …`. */
function useVenv(command: string): string {
  const trimmed = command.trim();
  const first = trimmed.split(/\s/, 1)[0] ?? '';
  if (first === 'python' || first === 'python3') return VENV_PYTHON + trimmed.slice(first.length);
  if (MODULE_SCRIPTS.has(first)) return `${VENV_PYTHON} -m ${trimmed}`;
  return trimmed;
}
