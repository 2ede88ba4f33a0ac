/**
 * Crash injection for recovery tests: with SLIPWAY_CRASH_AT=<step> (e.g. "switch" or
 * "switch:after") the daemon kills itself with SIGKILL when a deploy reaches that point,
 * the harshest way a control plane can die. Unset in production: a no-op.
 */
export function crashPointFrom(environ: NodeJS.ProcessEnv): (name: string) => void {
  const target = environ['SLIPWAY_CRASH_AT'];
  if (!target) return () => undefined;
  return (name: string) => {
    if (name === target) process.kill(process.pid, 'SIGKILL');
  };
}
