// The address lists behind route allow/deny, admin.allow, trusted proxies and the maintenance
// allowlist, against a reference computed here (IPv4 prefix bits compared as integers), and with
// arbitrary text as entries, addresses and X-Forwarded-For: no throw, no address made up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isIP } from 'node:net';
import fc from 'fast-check';
import { isCidr } from '../../src/lib/cidr.js';
import { AccessRule, AddressList } from '../../src/lib/address-list.js';
import { TrustedProxies } from '../../src/proxy/admission/client-address.js';

const toInt = (ip: string): number => ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
const covers = (network: string, prefix: number, ip: string): boolean => prefix === 0 || Math.floor(toInt(ip) / 2 ** (32 - prefix)) === Math.floor(toInt(network) / 2 ** (32 - prefix));

test('IPv4: membership equals the reference prefix comparison, also for IPv4-mapped IPv6 clients', () => {
  fc.assert(
    fc.property(fc.ipV4(), fc.integer({ min: 0, max: 32 }), fc.ipV4(), (network, prefix, ip) => {
      const list = new AddressList([`${network}/${prefix}`]);
      assert.equal(list.has(ip), covers(network, prefix, ip));
      assert.equal(list.has(`::ffff:${ip}`), covers(network, prefix, ip));
    }),
    { numRuns: 2000 },
  );
});

test('deny wins: an address in both lists is refused; with only deny lists, every other address passes', () => {
  fc.assert(
    fc.property(fc.ipV4(), fc.integer({ min: 0, max: 32 }), fc.ipV4(), (network, prefix, ip) => {
      const entry = `${network}/${prefix}`;
      assert.equal(new AccessRule({ allow: [entry], deny: [entry] }).permits(ip), false);
      assert.equal(new AccessRule({ deny: [entry] }).permits(ip), !covers(network, prefix, ip));
    }),
    { numRuns: 1000 },
  );
});

test('arbitrary text: entries the config would refuse are skipped, non-addresses are never members, nothing throws', () => {
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.string(), fc.ipV4().map((ip) => `${ip}/33`), fc.ipV6())), fc.string(), (entries, address) => {
      const list = new AddressList(entries);
      assert.equal(list.size, entries.filter(isCidr).length);
      if (isIP(address) === 0 && !address.startsWith('::ffff:')) assert.equal(list.has(address), false);
      assert.equal(new AccessRule({ allow: entries }).permits(address), list.has(address));
    }),
    { numRuns: 2000 },
  );
});

test('X-Forwarded-For from a trusted peer: the client is the peer or an address the header holds; never anything else', () => {
  const trusted = new TrustedProxies(['127.0.0.0/8', '10.0.0.0/8']);
  const hop = fc.oneof(fc.ipV4(), fc.ipV6(), fc.string({ maxLength: 12 }), fc.constant('10.1.1.1'));
  fc.assert(
    fc.property(fc.array(hop, { maxLength: 6 }), fc.constantFrom(', ', ',', ' , '), (hops, sep) => {
      const header = hops.join(sep);
      const client = trusted.clientOf('127.0.0.3', header);
      assert.ok(client === '127.0.0.3' || (isIP(client) !== 0 && header.includes(client.replace(/^::ffff:/, ''))), `${JSON.stringify(header)} → ${client}`);
      assert.equal(new TrustedProxies([]).clientOf('192.0.2.1', header), '192.0.2.1', 'no trusted proxy: the header is ignored');
    }),
    { numRuns: 2000 },
  );
});
