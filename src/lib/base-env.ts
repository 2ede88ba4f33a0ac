/** Variables of the daemon's environment that instances and builds inherit; nothing else leaks through. */
const INHERITED = ['PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'NODE_EXTRA_CA_CERTS'];

export function baseEnv(environ: NodeJS.ProcessEnv): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of INHERITED) {
    const value = environ[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}
