import { readFileSync } from 'node:fs';

/** A system user's ids and home, read from /etc/passwd (undefined: no such user). */
export function systemUser(name: string, passwd = '/etc/passwd'): { uid: number; gid: number; home: string } | undefined {
  let text: string;
  try {
    text = readFileSync(passwd, 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    const [user, , uid, gid, , home] = line.split(':');
    if (user !== name || uid === undefined || gid === undefined) continue;
    const ids = { uid: Number(uid), gid: Number(gid) };
    if (Number.isInteger(ids.uid) && Number.isInteger(ids.gid)) return { ...ids, home: home ?? '/' };
  }
  return undefined;
}
