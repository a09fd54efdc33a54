/**
 * systemd's unit changes, pushed over the user bus: one connection of the agent's own (the Unix socket of
 * DBUS_SESSION_BUS_ADDRESS, else $XDG_RUNTIME_DIR/bus; SASL EXTERNAL), then Hello, a match for
 * PropertiesChanged of each followed unit (follow()) and for the manager's name changing owner, and
 * Manager.Subscribe — systemd sends unit signals only while some client is subscribed, and a subscription
 * ends with its connection, which is why a `busctl monitor` child alone hears nothing. Only headers are
 * read: the object path names the unit (an instance's too: `vigil-worker@2.service` is
 * `vigil_2dworker_402_2eservice`), mapped back to its service through the followed set; its state comes
 * from a `systemctl show` of the changed units. A signal for a path that maps to no followed unit makes
 * every followed unit "changed" (a reconciliation), and a refused AddMatch drops the connection (the
 * supervisor polls meanwhile, and reconciles when it is back): a unit is never silently unheard.
 *
 * `up` once Subscribe is answered (and again after the user manager restarted: its new instance has no
 * subscription yet), `down` when the connection is lost or refused; it is then re-established with a
 * backoff (1 s doubling to 30 s), and `up` again means: reconcile, changes may have been missed.
 */
import net from 'node:net';
import { VigilError } from '../../core/errors.js';
import type { UnitChangeHandler } from '../../ports/service-manager.js';
import {
  decodeMessages,
  encodeCall,
  MessageType,
  pathOfUnit,
  socketOfAddress,
  unitOfPath,
} from './dbus-wire.js';

const SYSTEMD = 'org.freedesktop.systemd1';
/** One match per followed unit: the bus wakes the agent for its own units only, not every unit's change. */
const unitMatch = (unit: string) =>
  "type='signal',sender='org.freedesktop.systemd1',interface='org.freedesktop.DBus.Properties'," +
  `member='PropertiesChanged',path='${pathOfUnit(unit)}'`;
const OWNER_MATCH =
  "type='signal',sender='org.freedesktop.DBus',interface='org.freedesktop.DBus',member='NameOwnerChanged',arg0='org.freedesktop.systemd1'";
const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 30_000;

export interface UnitSubscriptionOptions {
  env: NodeJS.ProcessEnv;
  handler: UnitChangeHandler;
  /** Waits before reconnecting (ms); default 1 s, doubling to 30 s. */
  retryMs?: number;
}

/** The user bus's socket path from the environment, or null when there is none to try. */
export function userBusSocket(env: NodeJS.ProcessEnv): string | null {
  if (env.DBUS_SESSION_BUS_ADDRESS) return socketOfAddress(env.DBUS_SESSION_BUS_ADDRESS);
  const runtime = env.XDG_RUNTIME_DIR ?? (process.getuid ? `/run/user/${process.getuid()}` : null);
  return runtime ? `${runtime}/bus` : null;
}

export class UnitSubscription {
  private socket: net.Socket | null = null;
  private closed = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private retryMs: number;
  private serial = 0;
  private subscribeSerial = -1;
  private live = false;
  /** The units followed, each with its service (their matches are on the bus while connected). */
  private readonly units = new Map<string, string>();
  /** Serials of AddMatch calls not answered yet: an error to one means a unit would go unheard. */
  private readonly matchCalls = new Map<number, string>();
  private connected = false;

  constructor(private readonly opts: UnitSubscriptionOptions) {
    this.retryMs = opts.retryMs ?? FIRST_RETRY_MS;
    this.connect();
  }

  /**
   * Follows exactly these units from now on, unit name → service (a template's instance
   * `vigil-worker@2.service` → `worker@2`): matches added and removed, kept across reconnections.
   */
  follow(units: ReadonlyMap<string, string>): void {
    for (const u of [...this.units.keys()]) {
      if (units.has(u)) continue;
      this.units.delete(u);
      if (this.connected) this.busCall('RemoveMatch', unitMatch(u));
    }
    for (const [u, service] of units) {
      if (this.units.has(u)) {
        this.units.set(u, service);
        continue;
      }
      this.units.set(u, service);
      if (this.connected) this.addMatch(u);
    }
  }

  close(): void {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.socket?.destroy();
    this.socket = null;
  }

  /** Drops the connection as if the bus had (tests of the reconnection, `vigil doctor`). */
  drop(): void {
    this.socket?.destroy(new VigilError('E_DBUS', 'connection dropped'));
  }

  private connect(): void {
    const path = userBusSocket(this.opts.env);
    if (path === null) {
      this.lost(new VigilError('E_DBUS', 'no user bus: DBUS_SESSION_BUS_ADDRESS and XDG_RUNTIME_DIR unset'));
      return;
    }
    const socket = net.createConnection(path);
    this.socket = socket;
    let authed = false;
    let pending: Buffer = Buffer.alloc(0);
    socket.on('connect', () => {
      const uid = String(process.getuid?.() ?? 0);
      socket.write(`\0AUTH EXTERNAL ${Buffer.from(uid, 'ascii').toString('hex')}\r\n`);
    });
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      try {
        if (!authed) {
          const eol = pending.indexOf('\r\n');
          if (eol < 0) return;
          const line = pending.toString('ascii', 0, eol);
          pending = pending.subarray(eol + 2);
          if (!line.startsWith('OK ')) throw new VigilError('E_DBUS', `the user bus refused: ${line}`);
          authed = true;
          socket.write('BEGIN\r\n');
          this.busCall('Hello');
          this.connected = true;
          this.matchCalls.clear();
          for (const u of this.units.keys()) this.addMatch(u);
          this.busCall('AddMatch', OWNER_MATCH);
          this.subscribe();
        }
        const { messages, rest } = decodeMessages(pending);
        pending = rest.length === 0 ? Buffer.alloc(0) : Buffer.from(rest);
        this.dispatch(messages);
      } catch (err) {
        socket.destroy(err as Error);
      }
    });
    let failure: Error | null = null;
    socket.on('error', (err) => (failure = err)); // 'close' follows
    socket.on('close', (hadError) => {
      if (this.socket === socket) this.socket = null;
      this.connected = false;
      this.lost(
        hadError
          ? new VigilError('E_DBUS', `the user bus connection failed: ${failure?.message ?? 'error'}`)
          : null,
      );
    });
  }

  private call(spec: Parameters<typeof encodeCall>[1]): number {
    const serial = ++this.serial;
    this.socket?.write(encodeCall(serial, spec));
    return serial;
  }

  private addMatch(unit: string): void {
    this.matchCalls.set(this.busCall('AddMatch', unitMatch(unit)), unit);
  }

  private busCall(member: string, arg?: string): number {
    return this.call({
      destination: 'org.freedesktop.DBus',
      path: '/org/freedesktop/DBus',
      interface: 'org.freedesktop.DBus',
      member,
      ...(arg === undefined ? {} : { args: [arg] }),
    });
  }

  private subscribe(): void {
    this.subscribeSerial = this.call({
      destination: SYSTEMD,
      path: '/org/freedesktop/systemd1',
      interface: 'org.freedesktop.systemd1.Manager',
      member: 'Subscribe',
    });
  }

  private dispatch(messages: ReturnType<typeof decodeMessages>['messages']): void {
    const changed = new Set<string>();
    let unknown = false;
    for (const m of messages) {
      if (m.replySerial !== null && this.matchCalls.has(m.replySerial)) {
        const unit = this.matchCalls.get(m.replySerial)!;
        this.matchCalls.delete(m.replySerial);
        // A unit the bus will not tell us about: start over (reconnect, then reconcile everything).
        if (m.type === MessageType.Error)
          throw new VigilError('E_DBUS', `AddMatch for ${unit}: ${m.errorName ?? 'error'}`);
      } else if (m.type === MessageType.Signal && m.member === 'PropertiesChanged' && m.path) {
        const unit = unitOfPath(m.path);
        const service = unit === null ? undefined : this.units.get(unit);
        // A change of a unit no longer followed, or a path read wrong: whatever it was, look at all.
        if (service === undefined) unknown = true;
        else changed.add(service);
      } else if (m.type === MessageType.Signal && m.member === 'NameOwnerChanged') {
        // The user manager went away or came back: a new one has no subscription of ours.
        this.subscribe();
      } else if (m.replySerial === this.subscribeSerial) {
        if (m.type === MessageType.Error) {
          // No manager on the bus right now (it restarts): its NameOwnerChanged makes the next try.
          this.setDown(new VigilError('E_DBUS', `Subscribe: ${m.errorName ?? 'error'}`));
        } else if (m.type === MessageType.MethodReturn) {
          this.retryMs = this.opts.retryMs ?? FIRST_RETRY_MS;
          this.live = true;
          this.opts.handler.up();
        }
      } else if (m.type === MessageType.Error && this.subscribeSerial < 0) {
        this.socket?.destroy(new VigilError('E_DBUS', `the user bus: ${m.errorName ?? 'error'}`));
      }
    }
    if (unknown) for (const s of this.units.values()) changed.add(s);
    if (changed.size > 0) this.opts.handler.changed([...changed]);
  }

  private setDown(err: Error | null): void {
    const was = this.live;
    this.live = false;
    if (was || err) this.opts.handler.down(err);
  }

  private lost(err: Error | null): void {
    this.subscribeSerial = -1;
    if (this.closed) {
      this.live = false;
      return;
    }
    this.setDown(err ?? new VigilError('E_DBUS', 'the user bus closed the connection'));
    const wait = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (!this.closed) this.connect();
    }, wait);
    this.retryTimer.unref();
  }
}
