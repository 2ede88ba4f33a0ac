// The dashboard's request parsers with arbitrary input: cookies (a round trip of well-formed
// pairs, no throw and no value with a separator on anything), the origin check (only the
// dashboard's own origin passes, from Origin or else Referer), and the HTML escaping every page
// goes through (no markup survives).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import fc from 'fast-check';
import { parseCookies, sameOrigin } from '../../src/dashboard/http-input.js';
import { escapeHtml, html } from '../../src/dashboard/html.js';

const token = fc.stringMatching(/^[\w.~-]{1,40}$/);
const name = fc.stringMatching(/^[a-z_]{1,12}$/);

test('cookies: well-formed pairs round-trip; arbitrary headers never throw nor yield a value with a separator', () => {
  fc.assert(
    fc.property(fc.uniqueArray(fc.tuple(name, token), { selector: ([n]) => n, maxLength: 6 }), (pairs) => {
      const parsed = parseCookies(pairs.map(([n, v]) => `${n}=${v}`).join('; '));
      assert.deepEqual([...parsed.entries()], pairs);
    }),
    { numRuns: 500 },
  );
  fc.assert(
    fc.property(fc.string({ maxLength: 300 }), (header) => {
      for (const value of parseCookies(header).values()) assert.match(value, /^[\w.~-]+$/);
    }),
    { numRuns: 2000 },
  );
});

/** A request as the dashboard's parsers see it: they read its headers and nothing else, hence the cast. */
function req(headers: Record<string, string | undefined>): IncomingMessage {
  return { headers } as unknown as IncomingMessage;
}

test('origin check: only the own origin passes (Origin first, else the Referer\'s origin)', () => {
  const host = '127.0.0.1:9190';
  assert.equal(sameOrigin(req({ host, origin: 'http://127.0.0.1:9190' }), false), true);
  assert.equal(sameOrigin(req({ host, origin: 'https://127.0.0.1:9190' }), false), false);
  assert.equal(sameOrigin(req({ host, origin: 'null' }), false), false);
  assert.equal(sameOrigin(req({ host, referer: 'http://127.0.0.1:9190/service?x=1' }), false), true);
  assert.equal(sameOrigin(req({ host, origin: 'http://evil.example', referer: 'http://127.0.0.1:9190/' }), false), false);
  assert.equal(sameOrigin(req({ host }), false), false);
  fc.assert(
    fc.property(fc.string({ maxLength: 60 }), fc.option(fc.string({ maxLength: 80 })), fc.option(fc.webUrl()), (h, origin, referer) => {
      const ok = sameOrigin(req({ host: h, ...(origin === null ? {} : { origin }), ...(referer === null ? {} : { referer }) }), false);
      if (ok) assert.ok(origin === `http://${h}` || (origin === null && referer !== null && new URL(referer).origin === `http://${h}`));
    }),
    { numRuns: 2000 },
  );
});

test('html: values are escaped, no tag or attribute break survives', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 200 }), (text) => {
      const out = html`<p title="${text}">${text}</p>`.text;
      assert.doesNotMatch(escapeHtml(text), /[<>"']/);
      assert.equal(out.split('<').length, 3);
      assert.equal(out.split('"').length, 3);
    }),
    { numRuns: 2000 },
  );
});
