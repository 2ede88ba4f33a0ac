// The container driver's pure parts: the engine's framed log format (with a fuzz test), label
// round trips, and the rule that dockerode is imported by one adapter file only.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { containerName, handleFromLabels, handleOfContainer, labelsFor } from '../../src/drivers/container/container-handle.js';
import { demuxLogFrames, lastLines } from '../../src/drivers/container/log-frames.js';
import { REPO_ROOT } from '../helpers/e2e-project.js';

function frame(stream: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

describe('demuxLogFrames', () => {
  it('joins stdout and stderr payloads in order; raw (TTY) text passes through', () => {
    const framed = Buffer.concat([frame(1, Buffer.from('out 1\n')), frame(2, Buffer.from('err 1\n')), frame(1, Buffer.from('out 2\n'))]);
    assert.equal(demuxLogFrames(framed), 'out 1\nerr 1\nout 2\n');
    assert.equal(demuxLogFrames(Buffer.from('plain tty output\n')), 'plain tty output\n');
    assert.equal(demuxLogFrames(Buffer.alloc(0)), '');
  });

  it('keeps the bytes of a torn last frame', () => {
    const whole = frame(1, Buffer.from('complete\n'));
    const torn = frame(2, Buffer.from('cut short'));
    assert.equal(demuxLogFrames(Buffer.concat([whole, torn.subarray(0, 12)])), 'complete\ncut ');
  });

  it('fuzz: any frames round-trip, and any bytes are read without throwing', () => {
    const payload = fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a));
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(1, 2), payload), { maxLength: 20 }), (frames) => {
        const framed = Buffer.concat(frames.map(([stream, p]) => frame(stream, p)));
        const expected = Buffer.concat(frames.map(([, p]) => p)).toString('utf8');
        assert.equal(demuxLogFrames(framed), frames.length === 0 ? '' : expected);
      }),
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => {
        assert.equal(typeof demuxLogFrames(Buffer.from(bytes)), 'string');
      }),
    );
  });
});

describe('lastLines', () => {
  it('takes the last lines, a final newline ending the last one', () => {
    assert.deepEqual(lastLines('a\nb\r\nc\n', 2), ['b', 'c']);
    assert.deepEqual(lastLines('a\nb', 5), ['a', 'b']);
    assert.deepEqual(lastLines('a\n', 0), []);
    assert.deepEqual(lastLines('', 3), []);
  });
});

describe('container labels and handles', () => {
  it('a handle rebuilt from the labels equals the one start returns', () => {
    const spec = { id: 'web-r3-1a2b', service: 'web', releaseId: 'r3', cwd: '/', command: [], env: {}, port: 41234, image: 'app:r3' };
    const labels = labelsFor(spec, '/srv/slipway');
    const container = 'f'.repeat(64);
    assert.deepEqual(handleFromLabels(container, labels), handleOfContainer({ id: spec.id, container, port: spec.port }));
    assert.equal(handleFromLabels(container, { ...labels, 'slipway.port': 'x' }), undefined, 'a label that is not a port');
    assert.equal(handleFromLabels(container, {}), undefined);
  });

  it('container names differ per state dir and stay valid engine names', () => {
    const a = containerName('/srv/a', 'web-r1-1');
    assert.notEqual(a, containerName('/srv/b', 'web-r1-1'));
    assert.match(a, /^slipway-[0-9a-f]{8}-web-r1-1$/);
  });
});

describe('the Docker Engine API adapter', () => {
  it('is the only file under src/ that imports dockerode', () => {
    const src = join(REPO_ROOT, 'src');
    const importers: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (name.endsWith('.ts') && /from ['"]dockerode['"]|import\(['"]dockerode['"]\)/.test(readFileSync(path, 'utf8'))) importers.push(relative(src, path));
      }
    };
    walk(src);
    assert.deepEqual(importers, ['drivers/container/docker-api.ts']);
  });
});
