/**
 * The little of the D-Bus wire protocol that the unit subscription needs (little-endian, protocol 1): a
 * method call whose arguments are strings, and the headers of what the bus sends back. Message bodies are
 * never decoded: a signal's object path says which unit changed, a reply's serial which call it answers.
 */
import { VigilError } from '../../core/errors.js';

export const enum MessageType {
  MethodCall = 1,
  MethodReturn = 2,
  Error = 3,
  Signal = 4,
}

export interface CallSpec {
  destination: string;
  path: string;
  interface: string;
  member: string;
  /** String arguments (signature "s…"). */
  args?: readonly string[];
}

export interface MessageHeader {
  type: number;
  serial: number;
  path: string | null;
  interface: string | null;
  member: string | null;
  errorName: string | null;
  replySerial: number | null;
  sender: string | null;
}

const FIELD = { path: 1, interface: 2, member: 3, errorName: 4, replySerial: 5, destination: 6, sender: 7 };
const SIGNATURE_FIELD = 8;
/** The bus refuses messages over 128 MiB; a header claiming more is a broken stream. */
const MAX_MESSAGE = 128 * 1024 * 1024;

class Writer {
  private readonly bytes: number[] = [];
  get length(): number {
    return this.bytes.length;
  }
  align(n: number): void {
    while (this.bytes.length % n !== 0) this.bytes.push(0);
  }
  byte(b: number): void {
    this.bytes.push(b & 0xff);
  }
  uint32(v: number): void {
    this.align(4);
    this.bytes.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
  }
  setUint32(at: number, v: number): void {
    this.bytes.splice(at, 4, v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
  }
  string(s: string): void {
    const b = Buffer.from(s, 'utf8');
    this.uint32(b.length);
    for (const x of b) this.bytes.push(x);
    this.bytes.push(0);
  }
  signature(s: string): void {
    this.byte(s.length);
    for (const x of Buffer.from(s, 'ascii')) this.bytes.push(x);
    this.bytes.push(0);
  }
  buffer(): Buffer {
    return Buffer.from(this.bytes);
  }
}

/** A method call message with this serial. */
export function encodeCall(serial: number, call: CallSpec): Buffer {
  const args = call.args ?? [];
  const body = new Writer();
  for (const a of args) body.string(a);
  const w = new Writer();
  w.byte(0x6c); // 'l': little-endian
  w.byte(MessageType.MethodCall);
  w.byte(0);
  w.byte(1);
  w.uint32(body.length);
  w.uint32(serial);
  const lengthAt = w.length;
  w.uint32(0);
  const start = w.length;
  const field = (code: number, sig: string, value: string) => {
    w.align(8);
    w.byte(code);
    w.signature(sig);
    if (sig === 'g') w.signature(value);
    else w.string(value);
  };
  field(FIELD.path, 'o', call.path);
  field(FIELD.interface, 's', call.interface);
  field(FIELD.member, 's', call.member);
  field(FIELD.destination, 's', call.destination);
  if (args.length > 0) field(SIGNATURE_FIELD, 'g', 's'.repeat(args.length));
  w.setUint32(lengthAt, w.length - start);
  w.align(8);
  return Buffer.concat([w.buffer(), body.buffer()]);
}

const align = (n: number, a: number) => (n + a - 1) & ~(a - 1);

/**
 * Splits whole messages off the front of `buf`: their headers, and the bytes left (a partial message).
 * Throws E_DBUS on a stream that is not D-Bus (big-endian, a header field of a type headers never have).
 */
export function decodeMessages(buf: Buffer): { messages: MessageHeader[]; rest: Buffer } {
  const messages: MessageHeader[] = [];
  let at = 0;
  while (buf.length - at >= 16) {
    if (buf[at] !== 0x6c) throw new VigilError('E_DBUS', 'D-Bus: only little-endian messages are read');
    const bodyLength = buf.readUInt32LE(at + 4);
    const fieldsLength = buf.readUInt32LE(at + 12);
    const bodyStart = align(16 + fieldsLength, 8);
    const total = bodyStart + bodyLength;
    if (total > MAX_MESSAGE) throw new VigilError('E_DBUS', `D-Bus: a message of ${total} bytes`);
    if (buf.length - at < total) break;
    messages.push(readHeader(buf.subarray(at, at + bodyStart), fieldsLength));
    at += total;
  }
  return { messages, rest: buf.subarray(at) };
}

function readHeader(m: Buffer, fieldsLength: number): MessageHeader {
  const h: MessageHeader = {
    type: m[1]!,
    serial: m.readUInt32LE(8),
    path: null,
    interface: null,
    member: null,
    errorName: null,
    replySerial: null,
    sender: null,
  };
  let p = 16;
  const end = 16 + fieldsLength;
  while (p < end) {
    p = align(p, 8);
    const code = m[p]!;
    const sigLength = m[p + 1]!;
    const sig = m.toString('ascii', p + 2, p + 2 + sigLength);
    p += 2 + sigLength + 1;
    let value: string | number;
    if (sig === 's' || sig === 'o') {
      p = align(p, 4);
      const n = m.readUInt32LE(p);
      value = m.toString('utf8', p + 4, p + 4 + n);
      p += 4 + n + 1;
    } else if (sig === 'g') {
      const n = m[p]!;
      value = m.toString('ascii', p + 1, p + 1 + n);
      p += 1 + n + 1;
    } else if (sig === 'u') {
      p = align(p, 4);
      value = m.readUInt32LE(p);
      p += 4;
    } else {
      throw new VigilError('E_DBUS', `D-Bus: header field ${code} of type "${sig}"`);
    }
    if (code === FIELD.path) h.path = String(value);
    else if (code === FIELD.interface) h.interface = String(value);
    else if (code === FIELD.member) h.member = String(value);
    else if (code === FIELD.errorName) h.errorName = String(value);
    else if (code === FIELD.replySerial) h.replySerial = Number(value);
    else if (code === FIELD.sender) h.sender = String(value);
  }
  return h;
}

/** systemd's object path label ("vigil_2dweb_2eservice") back to the unit name ("vigil-web.service"). */
export function unitOfPath(path: string, prefix = '/org/freedesktop/systemd1/unit/'): string | null {
  if (!path.startsWith(prefix)) return null;
  return path
    .slice(prefix.length)
    .replace(/_([0-9a-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** A unit's object path, as systemd escapes it (bus_label_escape: "vigil-web.service" → "vigil_2dweb_2eservice"). */
export function pathOfUnit(unit: string, prefix = '/org/freedesktop/systemd1/unit/'): string {
  let out = '';
  for (const [i, ch] of [...Buffer.from(unit, 'utf8')].entries()) {
    const c = String.fromCharCode(ch);
    const keep = /[A-Za-z]/.test(c) || (i > 0 && /[0-9]/.test(c));
    out += keep ? c : `_${ch.toString(16).padStart(2, '0')}`;
  }
  return prefix + out;
}

/** The Unix socket of a D-Bus address ("unix:path=/run/user/1000/bus,guid=…"; the first unix one). */
export function socketOfAddress(address: string): string | null {
  for (const one of address.split(';')) {
    if (!one.startsWith('unix:')) continue;
    const params = new Map(
      one
        .slice(5)
        .split(',')
        .map((kv) => {
          const eq = kv.indexOf('=');
          return [kv.slice(0, eq), decodeURIComponent(kv.slice(eq + 1))] as const;
        }),
    );
    const p = params.get('path');
    if (p) return p;
    const abstract = params.get('abstract');
    if (abstract) return `\0${abstract}`;
  }
  return null;
}
