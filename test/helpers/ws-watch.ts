import WebSocket from 'ws';

/** A websocket held open through the proxy; records messages and when (if) it closed. */
export class HeldWebSocket {
  messages = 0;
  closedAt: number | undefined;
  readonly openedAt: Promise<number>;
  readonly #ws: WebSocket;

  constructor(port: number, host: string) {
    this.#ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers: { host } });
    this.openedAt = new Promise((resolve, reject) => {
      this.#ws.once('open', () => resolve(Date.now()));
      this.#ws.once('error', reject);
    });
    this.#ws.on('message', () => this.messages++);
    this.#ws.on('close', () => (this.closedAt ??= Date.now()));
    this.#ws.on('error', () => (this.closedAt ??= Date.now()));
  }

  get open(): boolean {
    return this.closedAt === undefined && this.#ws.readyState === WebSocket.OPEN;
  }

  close(): void {
    this.#ws.terminate();
  }
}
