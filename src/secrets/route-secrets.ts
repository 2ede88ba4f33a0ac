/**
 * Basic-auth password hashes written as ${secret:NAME} stay references (markers) in the config,
 * the release and the journal; this DataPlane decorator (wired by the daemon) puts the stored
 * values into the routing table just before it goes to the proxy.
 */
import type { DataPlane } from '../engine/deps.js';
import { SlipwayError, toSlipwayError } from '../errors.js';
import type { RoutingTableInput } from '../proxy/protocol.js';
import type { SecretSource } from './injecting-driver.js';
import type { Redactor } from './redactor.js';
import { hasRefs, nameOf, refsIn, replaceRefs } from './reference.js';

export function withRouteSecrets(inner: DataPlane, source: SecretSource, redactor: Redactor): DataPlane {
  return {
    apply: async (table) => inner.apply(await resolveRouteSecrets(table, source, redactor)),
    status: () => inner.status(),
  };
}

export async function resolveRouteSecrets(table: RoutingTableInput, source: SecretSource, redactor: Redactor): Promise<RoutingTableInput> {
  if (!table.routes.some((r) => Object.values(r.basicAuth?.users ?? {}).some(hasRefs))) return table;
  const values = new Map<string, string>();
  const routes = [];
  for (const route of table.routes) {
    if (!route.basicAuth) {
      routes.push(route);
      continue;
    }
    const users: Record<string, string> = {};
    for (const [user, value] of Object.entries(route.basicAuth.users)) {
      for (const ref of refsIn(value)) {
        const key = `${ref.env}:${ref.ref}`;
        if (values.has(key)) continue;
        const secret = await source.get(ref.env, ref.ref).catch((err: unknown) => {
          throw new SlipwayError('SLW_SECRETS_INJECT_FAILED', `The basic-auth hash of user ${user} on ${route.host}${route.path} needs secret ${nameOf(ref.ref)} (environment "${ref.env}"): ${toSlipwayError(err).message}`, { cause: err });
        });
        redactor.add(secret);
        values.set(key, secret.reveal().trim());
      }
      users[user] = replaceRefs(value, (r) => values.get(`${r.env}:${r.ref}`) ?? '');
    }
    routes.push({ ...route, basicAuth: { ...route.basicAuth, users } });
  }
  return { ...table, routes };
}
