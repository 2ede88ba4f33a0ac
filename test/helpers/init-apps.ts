// Small real apps of each kind `slipway init` recognises, written into a temp folder, and a way
// to run what init wrote for one of them (build, then run on a free PORT) and fetch its page.
import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../src/lib/free-port.js';

/** A Debian server's PATH (node's own folder first): its python3 is the one with apt's gunicorn and uvicorn. */
export const DEBIAN_PATH = [...new Set([dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'])].join(':');
export const DEBIAN_ENV: NodeJS.ProcessEnv = { ...process.env, PATH: DEBIAN_PATH };

const made: string[] = [];

/** A temp directory removed by removeTempDirs(). */
export async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Removes every directory tempDir() and appDir() made (call it in `after`). */
export async function removeTempDirs(): Promise<void> {
  for (const dir of made.splice(0)) await rm(dir, { recursive: true, force: true });
}

export async function appDir(name: string, files: Record<string, string>): Promise<string> {
  const dir = join(await tempDir('slipway-init-'), name);
  await mkdir(dir, { recursive: true });
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  return dir;
}

export const FLASK_APP = `from flask import Flask

app = Flask(__name__)


@app.get("/")
def index():
    return "hello from flask\\n"
`;

/** A WSGI app without any framework: what gunicorn serves in the tests (Debian ships no Flask by default). */
export const WSGI_APP = `import os


def app(environ, start_response):
    body = ("hello from wsgi " + os.environ.get("SLIPWAY_RELEASE", "-") + "\\n").encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
`;

export const ASGI_APP = `async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"hello from asgi\\n"})
`;

export const RACK_APP = `run ->(env) { [200, { "content-type" => "text/plain" }, ["hello from rack\\n"]] }\n`;

export const GO_APP = `package main

import (
	"net/http"
	"os"
)

func main() {
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("hello from go\\n")) })
	if err := http.ListenAndServe("127.0.0.1:"+os.Getenv("PORT"), nil); err != nil {
		panic(err)
	}
}
`;

export const NODE_APP = `require('node:http').createServer((req, res) => res.end('hello from node\\n')).listen(Number(process.env.PORT), '127.0.0.1');\n`;

export const STATIC_PAGE = '<!doctype html><title>site</title><p>hello from a static site</p>\n';

const exec = promisify(execFile);

/**
 * Runs `build` in `dir`, then `run` with PORT set, until GET / answers 200; returns the body.
 * The app runs in its own process group, killed (SIGKILL) before this returns.
 */
export async function buildAndServe(dir: string, service: { build?: readonly string[] | undefined; run: readonly string[] }, env: NodeJS.ProcessEnv = DEBIAN_ENV): Promise<string> {
  if (service.build) {
    const [file = '', ...args] = service.build;
    await exec(file, args, { cwd: dir, env, timeout: 120_000 });
  }
  const port = await freePort();
  const [file = '', ...args] = service.run;
  const child = spawn(file, args, { cwd: dir, env: { ...env, PORT: String(port) }, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.on('data', (c: Buffer) => void (log = (log + c.toString()).slice(-4000)));
  child.once('error', (err) => void (log += err.message));
  try {
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${service.run.join(' ')} exited ${child.exitCode}: ${log}`);
      const res = await fetch(`http://127.0.0.1:${port}/`).catch(() => undefined);
      if (res?.status === 200) return await res.text();
      if (Date.now() > deadline) throw new Error(`${service.run.join(' ')} did not answer on ${port} within 30 s: ${log}`);
      await sleep(100);
    }
  } finally {
    if (child.pid !== undefined && child.exitCode === null) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}
