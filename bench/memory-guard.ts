// The memory bench's guard (bench/memory.ts): the daemon's and the proxy's idle RSS against the
// baseline recorded in bench/results/memory-baseline.json. Pure, so that test/bench/memory-guard.test.ts
// can show it fails when it should without running the bench.

/** A process may grow this much over its baseline before the bench fails. */
export const GROWTH_LIMIT_MB = 5;

export interface MemoryBaseline {
  readonly daemonMb: number;
  readonly proxyMb: number;
}

export interface GuardResult {
  /** One line per process: its figure, the baseline, the growth and ok/FAIL. */
  readonly lines: readonly string[];
  /** The FAIL lines, empty when both processes are within the limit. */
  readonly fails: readonly string[];
}

/** Reads a baseline file's text; a missing, unparsable or incomplete one is a failure of its own. */
export function parseBaseline(text: string | undefined, file: string): MemoryBaseline | string {
  const record = `run once with --record-baseline and commit ${file}`;
  if (text === undefined) return `FAIL: no memory baseline in ${file}: ${record}`;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return `FAIL: ${file} is not JSON: ${record}`;
  }
  const { daemonMb, proxyMb } = (value ?? {}) as Partial<MemoryBaseline>;
  if (typeof daemonMb !== 'number' || typeof proxyMb !== 'number' || !(daemonMb > 0) || !(proxyMb > 0)) {
    return `FAIL: ${file} has no positive daemonMb and proxyMb: ${record}`;
  }
  return { daemonMb, proxyMb };
}

/** Compares measured idle RSS (MB) with the baseline; growth above `limitMb` fails. */
export function checkMemory(measured: MemoryBaseline, baseline: MemoryBaseline, limitMb: number = GROWTH_LIMIT_MB): GuardResult {
  const lines: string[] = [];
  const fails: string[] = [];
  for (const [name, now, then] of [['daemon', measured.daemonMb, baseline.daemonMb], ['proxy', measured.proxyMb, baseline.proxyMb]] as const) {
    const growth = now - then;
    const fail = growth > limitMb;
    lines.push(`  ${name.padEnd(6)} ${now.toFixed(1)} MB against baseline ${then.toFixed(1)} MB: ${growth >= 0 ? '+' : ''}${growth.toFixed(1)} MB (limit +${limitMb} MB) ${fail ? 'FAIL' : 'ok'}`);
    if (fail) {
      fails.push(
        `FAIL: the ${name} uses ${now.toFixed(1)} MB, ${growth.toFixed(1)} MB over its baseline of ${then.toFixed(1)} MB (limit +${limitMb} MB): ` +
          'find what it now loads or keeps (test/e2e/lean-processes.test.ts lists the packages each process loads; ' +
          'the proxy spreads by up to ~10 MB between runs, so confirm with a second run), or rerun with --record-baseline if the growth is intended',
      );
    }
  }
  return { lines, fails };
}
