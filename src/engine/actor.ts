/**
 * Who started a deployment: the user and host the CLI ran as, and the CI run when there was
 * one. The control API carries it with a deploy or rollback request; the daemon runs the
 * engine call inside `withActor`, and every deployment that call opens — a stack rollback and an
 * automatic revert included — records it. It is what the client says (the control socket admits
 * only those who may write to it), for people reading `slipway history`, not an access control.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface Actor {
  readonly user: string;
  readonly host: string;
  /** The CI system and run, when the CLI ran in one ("github-actions acme/shop run 42"). */
  readonly ci?: string | undefined;
}

const current = new AsyncLocalStorage<Actor>();

/** Runs `fn` with `actor` as the one who started whatever deployment it opens. */
export function withActor<T>(actor: Actor | undefined, fn: () => T): T {
  return actor ? current.run(actor, fn) : fn();
}

export function currentActor(): Actor | undefined {
  return current.getStore();
}

