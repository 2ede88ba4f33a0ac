// The real browser for the dashboard's tests: Debian's chromium driven by playwright-core (no
// browser download), every request the pages make recorded (the tests check none leaves
// loopback), and the accessibility checks every page gets.
import { mkdir } from 'node:fs/promises';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { REPO_ROOT } from './e2e-project.js';

export const ARTIFACTS = join(REPO_ROOT, 'test-artifacts', 'dashboard');

/**
 * Launches the browser. With `egressProxy` (a port on loopback), everything the browser itself
 * would send off loopback, pages or not, goes to that port instead (chromium never proxies
 * loopback): see `egressTrap`.
 */
export async function launchBrowser(egressProxy?: number): Promise<Browser> {
  // No sign-in, sync, component updates or field trials: the browser itself asks nothing of the network.
  return chromium.launch({
    executablePath: process.env['SLIPWAY_CHROMIUM'] ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-domain-reliability', '--disable-features=Translate,OptimizationHints,MediaRouter', ...(egressProxy === undefined ? [] : [`--proxy-server=http://127.0.0.1:${egressProxy}`])],
  });
}

/** A proxy on loopback that answers nothing and records the first line of each request sent to it: what the browser tried to send off loopback. */
export interface EgressTrap {
  readonly port: number;
  readonly seen: string[];
  close(): Promise<void>;
}

export async function egressTrap(): Promise<EgressTrap> {
  const seen: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.once('data', (chunk: Buffer) => {
      seen.push(chunk.toString('latin1').split('\r\n')[0] ?? '');
      socket.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    seen,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Every URL the page asks for, to check that none leaves loopback. */
export function recordRequests(page: Page): string[] {
  const urls: string[] = [];
  page.on('request', (r) => urls.push(r.url()));
  return urls;
}

export function offLoopback(urls: readonly string[]): string[] {
  return urls.filter((u) => {
    const { protocol, hostname } = new URL(u);
    if (protocol === 'data:' || protocol === 'about:') return false;
    return !(hostname === '127.0.0.1' || hostname === 'localhost' || hostname === '[::1]');
  });
}

/**
 * Waits until an expression is true in the page. (page.waitForFunction evaluates its string with
 * eval inside the page, which the dashboard's Content-Security-Policy rightly refuses.)
 */
export async function waitInPage(page: Page, expression: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await page.evaluate(expression))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting in the page for ${expression.slice(0, 120)}`);
    await page.waitForTimeout(250);
  }
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Runs in the page (the tests are compiled without the DOM's types): names and contrast. */
const PROBE = `(() => {
    const out = [];
    const focusable = [...document.querySelectorAll('a[href], button, input:not([type="hidden"]), select, textarea, [tabindex]:not([tabindex="-1"])')];
    const nameOf = (el) => {
      const labelled = el.getAttribute('aria-labelledby');
      const label = el.id ? document.querySelector(\`label[for="\${el.id}"]\`) : null;
      const names = [el.getAttribute('aria-label'), labelled ? document.getElementById(labelled)?.textContent : '', label?.textContent, el.textContent, el.value, el.title];
      return names.map((n) => (n ?? '').trim()).find((n) => n) ?? '';
    };
    for (const el of focusable) if (!nameOf(el)) out.push(\`no accessible name: <\${el.tagName.toLowerCase()} \${el.outerHTML.slice(0, 80)}>\`);
    // WCAG contrast of each element's own text against the nearest opaque background.
    const rgb = (c) => (c.match(/[\\d.]+/g) ?? []).map(Number);
    const lum = (c) => {
      const [r, g, b] = c.slice(0, 3).map((v) => {
        const s = v / 255;
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * (r ?? 0) + 0.7152 * (g ?? 0) + 0.0722 * (b ?? 0);
    };
    const background = (el) => {
      for (let e = el; e; e = e.parentElement) {
        const c = rgb(getComputedStyle(e).backgroundColor);
        if (c.length === 3 || (c[3] ?? 0) > 0.9) return c;
      }
      return [255, 255, 255];
    };
    for (const el of document.querySelectorAll('body *')) {
      const own = [...el.childNodes].some((n) => n.nodeType === 3 && (n.textContent ?? '').trim());
      if (!own || el.offsetParent === null) continue;
      const fg = lum(rgb(getComputedStyle(el).color));
      const bg = lum(background(el));
      const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
      if (ratio < 4.5) out.push(\`contrast \${ratio.toFixed(2)} < 4.5: <\${el.tagName.toLowerCase()}> \${(el.textContent ?? '').trim().slice(0, 40)}\`);
    }
    return out;
  })()`;

/** The problems of a page: controls without an accessible name, controls Tab does not reach, text below 4.5:1 contrast. */
export async function accessibilityProblems(page: Page): Promise<string[]> {
  const problems = (await page.evaluate(PROBE)) as string[];
  // Keyboard: Tab from the top reaches every visible control of the page.
  const expected = (await page.evaluate(`[...document.querySelectorAll('a[href], button, input:not([type="hidden"])')].filter((e) => e.offsetParent !== null || e.classList.contains('skip')).length`)) as number;
  await page.evaluate('document.activeElement && document.activeElement.blur()');
  const reached = new Set<string>();
  for (let i = 0; i < expected + 3; i++) {
    await page.keyboard.press('Tab');
    reached.add((await page.evaluate(`(() => { const a = document.activeElement; return !a || a === document.body ? '' : String([...document.querySelectorAll('*')].indexOf(a)); })()`)) as string);
  }
  reached.delete('');
  if (reached.size < expected) problems.push(`Tab reached ${reached.size} of ${expected} controls`);
  return problems;
}
