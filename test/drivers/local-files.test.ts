import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseProcStat, readProcStat } from '../../src/drivers/local/proc-stat.js';
import { readLastLines } from '../../src/drivers/local/tail-file.js';

describe('parseProcStat', () => {
  it('counts fields from the last parenthesis, whatever the command name holds', () => {
    const fields = Array.from({ length: 50 }, (_, i) => String(i + 3));
    fields[0] = 'S';
    fields[2] = '4242'; // pgrp, field 5
    fields[19] = '987654'; // starttime, field 22
    const stat = parseProcStat(`4242 (we ird) (S 1 2) ${fields.join(' ')}\n`);
    assert.deepEqual(stat, { pid: 4242, state: 'S', pgrp: 4242, startTime: 987654 });
  });

  it('reads this very process', () => {
    const stat = readProcStat(process.pid);
    assert.equal(stat?.pid, process.pid);
    assert.ok((stat?.startTime ?? 0) > 0);
    assert.equal(readProcStat(0), undefined);
  });
});

describe('readLastLines', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-tail-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads the end of a file larger than its chunk size', async () => {
    const file = join(dir, 'big.log');
    const lines = Array.from({ length: 20_000 }, (_, i) => `line ${i} ${'é'.repeat(i % 7)}`);
    await writeFile(file, `${lines.join('\n')}\n`);
    assert.deepEqual(await readLastLines(file, 3), lines.slice(-3));
    assert.deepEqual(await readLastLines(file, 5000), lines.slice(-5000));
  });

  it('handles no final newline, fewer lines than asked, an offset and a missing file', async () => {
    const file = join(dir, 'small.log');
    await writeFile(file, 'old\nnew 1\r\nnew 2');
    assert.deepEqual(await readLastLines(file, 10), ['old', 'new 1', 'new 2']);
    assert.deepEqual(await readLastLines(file, 10, { fromOffset: 4 }), ['new 1', 'new 2']);
    assert.deepEqual(await readLastLines(join(dir, 'missing.log'), 3), []);
  });
});
