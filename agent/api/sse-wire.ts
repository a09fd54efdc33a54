/**
 * The server-sent-events wire format of GET /api/events (part of the contract; contract.ts re-exports it).
 * Pure: no node imports. A browser would use EventSource; the node client uses SseParser.
 */
import type { VigilEvent } from '../core/events.js';

export const SSE_CONTENT_TYPE = 'text/event-stream';
/** The `event:` name of every event message. */
export const SSE_EVENT_NAME = 'vigil';
export const DEFAULT_HEARTBEAT_MS = 15_000;
export const SSE_HEARTBEAT = ': heartbeat\n\n';
/** The headers of every stream the agent serves: never cached or buffered by a proxy on the way. */
export const SSE_RESPONSE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': SSE_CONTENT_TYPE,
  'Cache-Control': 'no-store',
  Connection: 'keep-alive',
  'X-Accel-Buffering': 'no',
  'X-Content-Type-Options': 'nosniff',
};

/** `id: <id>\nevent: vigil\ndata: <json>\n\n` (JSON.stringify never emits a raw newline). */
export function formatSseEvent(e: VigilEvent): string {
  return `id: ${e.id}\nevent: ${SSE_EVENT_NAME}\ndata: ${JSON.stringify(e)}\n\n`;
}

export function wantsEventStream(accept: string | undefined): boolean {
  return accept !== undefined && accept.toLowerCase().includes(SSE_CONTENT_TYPE);
}

export type SseMessage =
  { kind: 'event'; id: string | null; event: string; data: string } | { kind: 'comment'; text: string };

/** Incremental parser for the text/event-stream format (lines end in LF, CRLF or CR). */
export class SseParser {
  private buffer = '';
  private pendingCr = false;
  private id: string | null = null;
  private event = '';
  private data: string[] = [];

  /** Feeds a decoded chunk; returns the messages it completed. */
  push(chunk: string): SseMessage[] {
    const out: SseMessage[] = [];
    let text = chunk;
    if (this.pendingCr && text.startsWith('\n')) text = text.slice(1);
    this.pendingCr = false;
    this.buffer += text;
    for (;;) {
      const m = /\r\n|\r|\n/.exec(this.buffer);
      if (m === null) break;
      // A CR at the very end may be the first half of a CRLF split across chunks.
      if (m[0] === '\r' && m.index === this.buffer.length - 1) this.pendingCr = true;
      const line = this.buffer.slice(0, m.index);
      this.buffer = this.buffer.slice(m.index + m[0].length);
      const msg = this.line(line);
      if (msg !== null) out.push(msg);
    }
    return out;
  }

  private line(line: string): SseMessage | null {
    if (line === '') {
      if (this.data.length === 0) {
        this.event = '';
        return null;
      }
      const msg: SseMessage = {
        kind: 'event',
        id: this.id,
        event: this.event || 'message',
        data: this.data.join('\n'),
      };
      this.event = '';
      this.data = [];
      return msg;
    }
    if (line.startsWith(':')) return { kind: 'comment', text: line.slice(1).trimStart() };
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
    else if (field === 'id' && !value.includes('\0')) this.id = value;
    return null;
  }
}
