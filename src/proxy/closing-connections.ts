import type { Socket } from 'node:net';

/**
 * HTTP/1 connections whose last answer was sent with `Connection: close` (a refused request
 * whose body was not read, or whose framing was bad). Node's parser may already have read a
 * request pipelined behind it: that request is never served (the connection ends with the
 * refusal), so what follows a refused request cannot reach the app.
 */
const closing = new WeakSet<Socket>();

export function markClosing(socket: Socket | null | undefined): void {
  if (socket) closing.add(socket);
}

export function isClosing(socket: Socket | null | undefined): boolean {
  return socket ? closing.has(socket) : false;
}
