import { spawnStage } from '../src/backup/child-stage.js';
import { readFileSync } from 'node:fs';
const id = readFileSync('/tmp/bb/k.txt', 'utf8').split('\n').find((l) => l.startsWith('AGE-SECRET'))!;
const s = spawnStage(['age', '--decrypt', '--identity', '/dev/fd/3'], { env: process.env, stdin: 'pipe', failCode: 'SLW_BACKUP_CORRUPT', fdInputs: [id + '\n'] });
s.stdin!.on('error', () => {}); s.stdin!.end(readFileSync('/tmp/bb/small.age')); s.exited.catch((e) => console.log('exit', e.message));
let n = 0; for await (const c of s.output) n += c.length; console.log(n);
