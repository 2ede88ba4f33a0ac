// Property tests of what DNS-01 parses or writes: the nsupdate script (no input adds a line to it),
// name-server addresses from the config, and the Cloudflare provider's reading of API answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { updateScript } from '../../src/certs/nsupdate-adapter.js';
import { nameServerOf } from '../../src/config/tls-normalize.js';
import { nameServer } from '../../src/config/tls-dns01-schema.js';
import { challengeName } from '../../src/certs/dns01-provider.js';
import { SlipwayError } from '../../src/errors.js';

const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('a.example.com', 'x\nsend\nupdate add evil.example.com 60 IN A 1.2.3.4', 'v" IN TXT "w', 'ok-value_1'));

test('an nsupdate script has exactly one update and one send, whatever the names and values', () => {
  fc.assert(
    fc.property(text, text, text, text, text, fc.constantFrom('add', 'delete') as fc.Arbitrary<'add' | 'delete'>, (name, value, zone, keyName, host, op) => {
      const o = { server: { host, port: 53 }, zone: zone || undefined, key: { name: keyName, algorithm: 'hmac-sha256' as const, secret: 'c2VjcmV0' } };
      let script: string;
      try {
        script = updateScript(o, op, { name, value });
      } catch (err) {
        assert.ok(err instanceof SlipwayError && err.code.startsWith('SLW_CERT_DNS_'), String(err));
        return;
      }
      const lines = script.trimEnd().split('\n');
      assert.equal(lines.filter((l) => l.startsWith('update ')).length, 1, script);
      assert.equal(lines.filter((l) => l === 'send').length, 1, script);
      assert.equal(lines.filter((l) => l.startsWith('server ')).length, 1, script);
      assert.ok(lines.length === (zone ? 5 : 4), script);
      assert.match(lines.find((l) => l.startsWith('update ')) ?? '', /^update (add|delete) [^\s"]+\. (\d+ )?IN TXT "[^"\s]+"$/);
    }),
    { numRuns: 2000 },
  );
});

test('a name server that the config accepts parses to a host and a port in range', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.domain(), fc.ipV4(), fc.ipV6().map((v) => `[${v}]`), fc.tuple(fc.domain(), fc.integer({ min: 0, max: 99999 })).map(([h, p]) => `${h}:${p}`)), (written) => {
      if (!nameServer.safeParse(written).success) return;
      const { host, port } = nameServerOf(written);
      assert.ok(host.length > 0 && !host.includes(':') === !written.startsWith('['), written);
      assert.ok(Number.isInteger(port) && port >= 1 && port <= 65535, written);
    }),
    { numRuns: 2000 },
  );
});

test('the challenge name drops the wildcard label and the trailing dot, and lower-cases', () => {
  fc.assert(
    fc.property(fc.domain(), fc.boolean(), (domain, wildcard) => {
      const name = challengeName(`${wildcard ? '*.' : ''}${domain.toUpperCase()}.`);
      assert.equal(name, `_acme-challenge.${domain.toLowerCase()}`);
    }),
  );
});
