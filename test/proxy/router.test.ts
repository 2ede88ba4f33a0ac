import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileRouter, normalizeHost, pathHasPrefix } from '../../src/proxy/router.js';
import type { Route } from '../../src/proxy/protocol.js';

const r = (host: string, path: string, service: string): Route => ({ host, path, service });

test('exact host, case-insensitive, port stripped', () => {
  const router = compileRouter([r('app.example.com', '/', 'app')]);
  assert.equal(router.match('App.Example.COM:8080', '/x')?.service, 'app');
  assert.equal(router.match('app.example.com.', '/')?.service, 'app');
  assert.equal(router.match('other.example.com', '/'), undefined);
});

test('wildcard matches subdomains at any depth, not the bare suffix; longest suffix wins', () => {
  const router = compileRouter([r('*.example.com', '/', 'wide'), r('*.api.example.com', '/', 'narrow')]);
  assert.equal(router.match('a.example.com', '/')?.service, 'wide');
  assert.equal(router.match('a.b.example.com', '/')?.service, 'wide');
  assert.equal(router.match('v1.api.example.com', '/')?.service, 'narrow');
  assert.equal(router.match('example.com', '/'), undefined);
  assert.equal(router.match('badexample.com', '/'), undefined);
});

test('exact host beats wildcard, wildcard beats "*"; a group without a path match falls through', () => {
  const router = compileRouter([
    r('*', '/', 'any'),
    r('*.example.com', '/', 'wild'),
    r('www.example.com', '/admin', 'admin'),
  ]);
  assert.equal(router.match('www.example.com', '/admin/users')?.service, 'admin');
  assert.equal(router.match('www.example.com', '/shop')?.service, 'wild');
  assert.equal(router.match('elsewhere.org', '/')?.service, 'any');
});

test('longest path prefix on a segment boundary; query ignored', () => {
  const router = compileRouter([r('h', '/', 'root'), r('h', '/api', 'api'), r('h', '/api/v2', 'v2')]);
  assert.equal(router.match('h', '/api')?.service, 'api');
  assert.equal(router.match('h', '/api?x=/v2')?.service, 'api');
  assert.equal(router.match('h', '/api/x')?.service, 'api');
  assert.equal(router.match('h', '/apix')?.service, 'root');
  assert.equal(router.match('h', '/api/v2/users')?.service, 'v2');
  assert.equal(router.match('h', '/api/v20')?.service, 'api');
  assert.equal(router.match('h', '/')?.service, 'root');
});

test('no route → undefined', () => {
  const router = compileRouter([r('h', '/api', 'api')]);
  assert.equal(router.match('h', '/'), undefined);
  assert.equal(compileRouter([]).match('h', '/'), undefined);
});

test('pathHasPrefix and normalizeHost edge cases', () => {
  assert.equal(pathHasPrefix('/api/', '/api/'), true);
  assert.equal(pathHasPrefix('/api', '/api/'), false);
  assert.equal(pathHasPrefix('/anything', '/'), true);
  assert.equal(normalizeHost('[::1]:8080'), '[::1]');
  assert.equal(normalizeHost('EXAMPLE.com'), 'example.com');
});
