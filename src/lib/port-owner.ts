import { readdir, readFile, readlink } from 'node:fs/promises';

/** Inodes of the TCP sockets listening on `port` (IPv4 and IPv6), read from /proc/net. */
export async function listeningInodes(port: number): Promise<Set<string>> {
  const inodes = new Set<string>();
  const wanted = port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(table, 'latin1').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
      const fields = line.trim().split(/\s+/);
      const local = fields[1];
      if (!local || fields[3] !== '0A') continue; // 0A: LISTEN
      if (local.slice(local.lastIndexOf(':') + 1) === wanted && fields[9]) inodes.add(fields[9]);
    }
  }
  return inodes;
}

/**
 * Which of `pids` holds a socket listening on `port`, found through /proc (Linux); undefined
 * when none of them does, or when /proc cannot tell.
 */
export async function portHolder(port: number, pids: readonly number[]): Promise<number | undefined> {
  if (pids.length === 0) return undefined;
  const inodes = await listeningInodes(port);
  if (inodes.size === 0) return undefined;
  for (const pid of pids) {
    const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
    // All of a process's links at once: a proxy with many connections holds hundreds of fds, and
    // one readlink after another put ~10 ms on every deploy's preflight (BENCHMARKS.md).
    const targets = await Promise.all(fds.map((fd) => readlink(`/proc/${pid}/fd/${fd}`).catch(() => '')));
    if (targets.some((t) => inodes.has(/^socket:\[(\d+)\]$/.exec(t)?.[1] ?? ''))) return pid;
  }
  return undefined;
}
