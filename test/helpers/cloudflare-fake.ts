/**
 * A recorded-contract fake of Cloudflare's DNS records API v4, on a real HTTP server on port 0,
 * checking requests the way Cloudflare documents them (developers.cloudflare.com/api, DNS →
 * Records: create, list, delete; Zones: list): `Authorization: Bearer <token>`, JSON bodies with
 * type/name/content/ttl (ttl 1 = automatic, else 60–86400), 32-hex identifiers, and every answer
 * in the envelope `{ success, errors: [{ code, message }], messages, result }`. Error codes used:
 * 6003 (invalid request headers), 10000 (authentication error), 7003 (no route: bad identifier),
 * 81058 (identical record exists), 81044 (record does not exist), 81045 (record quota exceeded),
 * 9000-range validation (bad field). Only what slipway's provider calls is modelled.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeRecord {
  readonly id: string;
  readonly zoneId: string;
  readonly type: string;
  readonly name: string;
  readonly content: string;
  readonly ttl: number;
}

export interface CloudflareFake {
  readonly baseUrl: string;
  readonly token: string;
  /** zone name → id */
  readonly zones: ReadonlyMap<string, string>;
  readonly records: FakeRecord[];
  /** Every request as "METHOD path?query". */
  readonly calls: string[];
  /** Refuse record creation with 81045 (quota exceeded). */
  refuseCreates: boolean;
  close(): Promise<void>;
}

const hexId = (): string => randomBytes(16).toString('hex');

export async function startCloudflareFake(zoneNames: readonly string[]): Promise<CloudflareFake> {
  const token = randomBytes(20).toString('base64url');
  const zones = new Map(zoneNames.map((z) => [z, hexId()]));
  const fake = { token, zones, records: [] as FakeRecord[], calls: [] as string[], refuseCreates: false };
  const server = createServer((req, res) => void handle(req, res));
  const send = (res: ServerResponse, status: number, result: unknown, errors: Array<{ code: number; message: string }> = []): void => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ success: errors.length === 0, errors, messages: [], result: errors.length === 0 ? result : null }));
  };
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    fake.calls.push(`${req.method} ${url.pathname}${url.search}`);
    let body = '';
    for await (const chunk of req) body += String(chunk);
    const auth = req.headers.authorization ?? '';
    if (!/^Bearer [A-Za-z0-9_-]+$/.test(auth)) return send(res, 400, null, [{ code: 6003, message: 'Invalid request headers' }]);
    if (auth !== `Bearer ${token}`) return send(res, 403, null, [{ code: 10000, message: 'Authentication error' }]);
    const path = url.pathname.replace(/^\/client\/v4/, '');
    if (path === url.pathname) return send(res, 404, null, [{ code: 7000, message: 'No route for that URI' }]);
    if (req.method === 'GET' && path === '/zones') {
      const name = url.searchParams.get('name');
      const list = [...zones].filter(([z]) => name === null || z === name).map(([z, id]) => ({ id, name: z, status: 'active' }));
      return send(res, 200, list);
    }
    const m = /^\/zones\/([^/]+)\/dns_records(?:\/([^/]+))?$/.exec(path);
    const zoneName = m ? [...zones].find(([, id]) => id === m[1])?.[0] : undefined;
    if (!m || !zoneName) return send(res, 404, null, [{ code: 7003, message: `Could not route to ${path}, perhaps your object identifier is invalid?` }]);
    const zoneId = m[1] ?? '';
    const recordId = m[2];
    if (req.method === 'POST' && recordId === undefined) {
      if (!/^application\/json/.test(req.headers['content-type'] ?? '')) return send(res, 400, null, [{ code: 9207, message: 'Request body is invalid.' }]);
      let r: { type?: unknown; name?: unknown; content?: unknown; ttl?: unknown };
      try {
        r = JSON.parse(body) as typeof r;
      } catch {
        return send(res, 400, null, [{ code: 9207, message: 'Request body is invalid.' }]);
      }
      if (typeof r.type !== 'string' || typeof r.name !== 'string' || typeof r.content !== 'string') return send(res, 400, null, [{ code: 9000, message: 'DNS record type, name and content are required' }]);
      if (r.ttl !== undefined && (typeof r.ttl !== 'number' || (r.ttl !== 1 && (r.ttl < 60 || r.ttl > 86400)))) return send(res, 400, null, [{ code: 9021, message: 'Invalid TTL. Must be between 60 and 86400 seconds, or 1 for Automatic.' }]);
      if (r.name !== zoneName && !r.name.endsWith(`.${zoneName}`)) return send(res, 400, null, [{ code: 9005, message: 'Record name is not within the zone' }]);
      if (fake.refuseCreates) return send(res, 400, null, [{ code: 81045, message: 'Record quota exceeded.' }]);
      if (fake.records.some((x) => x.zoneId === zoneId && x.type === r.type && x.name === r.name && x.content === r.content)) {
        return send(res, 400, null, [{ code: 81058, message: 'An identical record already exists.' }]);
      }
      const record: FakeRecord = { id: hexId(), zoneId, type: r.type, name: r.name, content: r.content, ttl: typeof r.ttl === 'number' ? r.ttl : 1 };
      fake.records.push(record);
      return send(res, 200, { ...record, zone_id: zoneId, zone_name: zoneName, proxied: false });
    }
    if (req.method === 'GET' && recordId === undefined) {
      const want = (k: string, v: string): boolean => url.searchParams.get(k) === null || url.searchParams.get(k) === v;
      return send(res, 200, fake.records.filter((x) => x.zoneId === zoneId && want('type', x.type) && want('name', x.name) && want('content', x.content)));
    }
    if (req.method === 'DELETE' && recordId !== undefined) {
      const at = fake.records.findIndex((x) => x.zoneId === zoneId && x.id === recordId);
      if (at < 0) return send(res, 404, null, [{ code: 81044, message: 'Record does not exist.' }]);
      fake.records.splice(at, 1);
      return send(res, 200, { id: recordId });
    }
    return send(res, 405, null, [{ code: 10405, message: 'Method not allowed' }]);
  }
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return Object.assign(fake, {
    baseUrl: `http://127.0.0.1:${port}/client/v4`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  });
}
