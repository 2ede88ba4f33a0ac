import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { sendErrorPage } from '../error-page.js';
import type { Route } from '../protocol.js';
import { refuse } from '../websocket-tunnel.js';
import type { Admission, Admitted, Verdict } from './admission.js';

/**
 * Runs admission for one request, then either answers the refusal or calls `pass`.
 * Synchronous when admission is (the common case: no basic auth to verify, no chunked body).
 */
export function admitRequest(
  admission: Admission,
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
  route: Route | undefined,
  pass: (admitted: Admitted) => void,
  pathOk = true,
): void {
  const verdict = admission.admit(req, route, pathOk);
  if (verdict instanceof Promise) {
    req.once('error', () => undefined); // a client gone while waiting is not the process's problem
    void verdict.then((v) => settle(v, req, res, requestId, pass));
  } else {
    settle(verdict, req, res, requestId, pass);
  }
}

function settle(verdict: Verdict, req: IncomingMessage, res: ServerResponse, requestId: string, pass: (admitted: Admitted) => void): void {
  if (verdict.kind === 'pass') {
    if (!res.destroyed) pass(verdict.admitted);
    return;
  }
  const { refusal } = verdict;
  if (res.destroyed || res.headersSent) return;
  sendErrorPage(res, refusal.status, requestId, req.headers.accept, {
    ...(refusal.close ? { close: true } : {}),
    ...(refusal.headers ? { extraHeaders: refusal.headers } : {}),
  });
}

/** Admission for a websocket upgrade: refused with a plain answer on the socket. */
export function admitUpgrade(
  admission: Admission,
  req: IncomingMessage,
  socket: Duplex,
  requestId: string,
  route: Route | undefined,
  pass: (admitted: Admitted) => void,
  pathOk = true,
): void {
  const verdict = admission.admit(req, route, pathOk);
  const settleUpgrade = (v: Verdict): void => {
    if (socket.destroyed) return;
    if (v.kind === 'pass') pass(v.admitted);
    else refuse(socket, v.refusal.status, requestId);
  };
  if (verdict instanceof Promise) void verdict.then(settleUpgrade);
  else settleUpgrade(verdict);
}
