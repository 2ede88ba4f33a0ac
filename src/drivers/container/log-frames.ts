/**
 * Container logs come from the Docker Engine API as frames: an 8-byte header (stream: 0 stdin,
 * 1 stdout, 2 stderr; three zero bytes; payload size, big-endian uint32) and the payload. A
 * container with a TTY sends raw bytes instead. Both come back as one text, stdout and stderr
 * interleaved in the order the engine sent them.
 */
const HEADER = 8;

function isHeaderAt(buf: Buffer, at: number): boolean {
  return buf.length - at >= HEADER && (buf[at] ?? 3) <= 2 && buf[at + 1] === 0 && buf[at + 2] === 0 && buf[at + 3] === 0;
}

/** The payloads of a framed log stream, joined; raw text when it is not framed. */
export function demuxLogFrames(buf: Buffer): string {
  if (buf.length === 0) return '';
  if (!isHeaderAt(buf, 0)) return buf.toString('utf8');
  const parts: Buffer[] = [];
  let at = 0;
  while (at < buf.length) {
    if (!isHeaderAt(buf, at)) {
      parts.push(buf.subarray(at)); // a torn tail: keep its bytes rather than lose them
      break;
    }
    const size = buf.readUInt32BE(at + 4);
    const end = Math.min(buf.length, at + HEADER + size);
    parts.push(buf.subarray(at + HEADER, end));
    at = end;
  }
  return Buffer.concat(parts).toString('utf8');
}

/** The last `count` lines of a log text (a final newline ends the last line; \r\n counts as one). */
export function lastLines(text: string, count: number): string[] {
  if (count <= 0 || text.length === 0) return [];
  const lines = text.split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.slice(-count);
}
