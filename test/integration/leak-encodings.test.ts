/**
 * The leak guard over encodings, end to end (real systemd, real agent): a service prints its API_KEY as
 * written, upper case, minus its last character, hex (both cases), base64 at the 3 alignments, base64url,
 * double JSON-escaped, with `-` as %2D, fully percent-encoded and with \u002d escapes, then crashes into
 * a crashloop; a second service's exec health probe quotes the key in hex and base64. None of these may
 * come out of: `vigil logs` (through the agent and without it), the log API, the log stream (SSE), the
 * event stream (SSE), /api/events (crash tails, health events), the status (probe error), `vigil
 * events`, `vigil status`, the alert webhook, or the database (sqlite3 .dump, and the raw files).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { ApiClient } from '../../agent/api/client.js';
import type { VigilEvent } from '../../agent/core/events.js';
import {
  BIN,
  FIXTURES,
  makeHome,
  run,
  startAgent,
  waitFor,
  type AgentProcess,
  type TestHome,
} from '../helpers/vigil.js';
import { uniquePrefix } from '../helpers/systemd.js';
import { startHttpFixture, type HttpFixture } from '../helpers/http-fixture.js';

const LEAKY = path.join(FIXTURES, 'services', 'leaky-encodings.mjs');
const LEAKY_PROBE = path.join(FIXTURES, 'services', 'leaky-probe.mjs');
const SLEEPER = path.join(FIXTURES, 'services', 'sleeper.sh');
const tag = randomBytes(6).toString('hex');
const SECRET = `leak-canary-${tag}-Zq9w-end`;
const TAIL = { lines: 500, level: null, grep: null, timeoutMs: 5000 };
const LABEL = '[redacted:leak/API_KEY]';
const PRINTED = [
  'plain',
  'upper',
  'minus-last',
  'hex',
  'HEX',
  'base64-0',
  'base64-1',
  'base64-2',
  'base64url',
  'json2',
  'percent-dash',
  'percent-all',
  'unicode-escape',
];

/**
 * Pieces of each printed form that only the secret can produce, computed here without the redactor:
 * case-insensitive ones (the tag covers the plain, upper, minus-last, json2, %2D and \u forms; hex and
 * full percent-encoding) and exact ones (base64 characters carrying only the secret's bits, any alignment).
 */
const bytes = Buffer.from(SECRET);
const NEEDLES_CI = [
  tag,
  bytes.toString('hex').slice(2, -2),
  [...bytes]
    .map((c) => `%${c.toString(16)}`)
    .join('')
    .slice(12, 60),
];
const NEEDLES = [0, 1, 2].flatMap((o) =>
  (['base64', 'base64url'] as const).map((a) =>
    Buffer.concat([Buffer.alloc(o), bytes])
      .toString(a)
      .slice(4, 28),
  ),
);

/** Which needles `text` holds (none: no form of the secret is in it). */
function leaks(text: string): string[] {
  const low = text.toLowerCase();
  return [...NEEDLES_CI.filter((n) => low.includes(n)), ...NEEDLES.filter((n) => text.includes(n))];
}

describe('leak guard over encodings (real systemd, real agent)', () => {
  let t: TestHome;
  let agent: AgentProcess | null = null;
  let rx: HttpFixture;
  let api: ApiClient;
  const p = uniquePrefix();
  const svc = `${p}-leaky`;
  const probed = `${p}-probed`;
  const served: [string, string][] = [];

  before(async () => {
    t = await makeHome();
    rx = await startHttpFixture();
    rx.set('/hook', { status: 200, body: 'ok' });
    const set = await t.vigil(['secrets', 'set', 'leak', 'API_KEY'], { input: `${SECRET}\n` });
    assert.equal(set.code, 0, set.stderr);
    agent = await startAgent(t);
    api = new ApiClient({ socketPath: path.join(t.env.VIGIL_HOME!, 'agent.sock') });
    const yaml = `services:
  ${svc}:
    command: [${process.execPath}, ${LEAKY}]
    credentials: [leak]
    restart: { policy: on-failure, delaySec: 0.5, burst: 3, intervalSec: 60 }
  ${probed}:
    command: [${SLEEPER}]
    health: { exec: [${process.execPath}, ${LEAKY_PROBE}, "${path.join(t.env.VIGIL_HOME!, 'credentials', 'leak.env')}"], intervalSec: 1, timeoutSec: 5 }
alerts:
  desktop: false
  downForSec: 1
  cooldownSec: 0
  webhooks:
    hook: { type: json, url: "${rx.url('/hook')}" }
`;
    const applied = await t.vigil(['apply', '-f', t.manifest(yaml), '--json']);
    assert.equal(applied.code, 0, applied.stderr);
  });
  after(async () => {
    await agent?.kill().catch(() => undefined);
    await rx?.close();
    await t.cleanup();
  });

  it('sanity: the service log on disk holds every form (the needles find them)', async () => {
    const file = path.join(t.env.VIGIL_HOME!, 'logs', `${svc}.log`);
    await waitFor(
      'the service printed',
      () => fs.existsSync(file) && fs.readFileSync(file, 'utf8').includes('fatal: upstream'),
      20_000,
    );
    const raw = fs.readFileSync(file, 'utf8');
    assert.deepEqual(leaks(raw), [...NEEDLES_CI, ...NEEDLES]);
  });

  it('the crash events (API, event stream) carry the log tail with every form redacted', async () => {
    const streamed: VigilEvent[] = [];
    const ac = new AbortController();
    const stream = api
      .streamEvents({ service: svc }, (e) => streamed.push(e), ac.signal)
      .catch(() => undefined);
    const crashed = await waitFor(
      'a crash event with its log tail',
      async () => {
        const e = (await api.events({ limit: 10_000, service: svc })).events.filter(
          (x) => (x.type === 'crashed' || x.type === 'crashloop') && x.logTail?.length,
        );
        return e.length > 0 ? e : undefined;
      },
      30_000,
      200,
    );
    await waitFor('the crash on the event stream', () => streamed.some((e) => e.logTail?.length), 10_000);
    ac.abort();
    await stream;
    served.push(
      ['/api/events', JSON.stringify(await api.events({ limit: 10_000 }))],
      ['event stream', JSON.stringify(streamed)],
    );
    const tail = crashed[0]!.logTail!;
    for (const form of PRINTED) {
      const line = tail.find((l) => l.startsWith(`${form} `));
      assert.ok(line?.includes(LABEL), `crash tail, ${form}: ${line}`);
    }
  });

  it('a health probe that prints the key: the status and the health events show it redacted', async () => {
    const st = await waitFor(
      'the probe failed',
      async () => {
        const doc = await api.status();
        const x = doc.services.find((s) => s.name === probed);
        return x?.probe?.error ? doc : undefined;
      },
      20_000,
      200,
    );
    const down = await waitFor(
      'a health event',
      async () => {
        const e = (await api.events({ limit: 10_000, service: probed })).events;
        return e.some((x) => x.message.includes('probe:')) ? e : undefined;
      },
      20_000,
      200,
    );
    const cli = await t.vigil(['status', probed, '--json']);
    served.push(
      ['status (probe)', JSON.stringify(st)],
      ['health events', JSON.stringify(down)],
      ['vigil status', cli.stdout],
    );
    const error = st.services.find((s) => s.name === probed)!.probe!.error!;
    assert.match(error, /refused key \[redacted:leak\/API_KEY\] \(base64 .{0,2}\[redacted:leak\/API_KEY\]/);
  });

  it('the log API, the log stream and vigil logs (with and without the agent) show every form redacted', async () => {
    const tail = await api.call('logTail', { name: svc }, TAIL);
    const search = await api.call(
      'logSearch',
      { name: svc },
      { pattern: 'key', regex: false, ignoreCase: false, limit: 500, level: null, timeoutMs: 5000 },
    );
    served.push(['log API tail', JSON.stringify(tail)], ['log API search', JSON.stringify(search)]);
    for (const form of PRINTED)
      assert.ok(
        tail.lines.some((l) => l.startsWith(`${form} `) && l.includes(LABEL)),
        `log API, ${form}`,
      );
    assert.ok(search.matches.length > 0);
    const followed: string[] = [];
    const ac = new AbortController();
    const follow = api.streamLogs(svc, TAIL, (l) => followed.push(...l), ac.signal).catch(() => undefined);
    await waitFor('the followed lines', () => followed.some((l) => l.startsWith('fatal: upstream')), 10_000);
    ac.abort();
    await follow;
    served.push(['log stream', JSON.stringify(followed)]);
    for (const form of PRINTED)
      assert.ok(
        followed.some((l) => l.startsWith(`${form} `) && l.includes(LABEL)),
        `log stream, ${form}`,
      );
    const viaAgent = await t.vigil(['logs', svc, '-n', '500']);
    const direct = await run(
      process.execPath,
      [BIN, 'logs', svc, '-n', '500'],
      { ...t.env, VIGIL_NO_AGENT: '1' },
      { timeoutMs: 60_000 },
    );
    const events = await t.vigil(['events', '-n', '1000', '--json']);
    served.push(
      ['vigil logs (agent)', viaAgent.stdout + viaAgent.stderr],
      ['vigil logs (direct)', direct.stdout + direct.stderr],
      ['vigil events', events.stdout],
    );
    for (const r of [viaAgent, direct, events]) assert.equal(r.code, 0, r.stderr);
    assert.ok(direct.stdout.includes(`percent-all GET /x?key=${LABEL}`), direct.stdout);
  });

  it('nothing served, alerted or stored holds the secret in any form: responses, webhook, database', async () => {
    await waitFor(
      'an alert sent to the webhook',
      () => rx.received.some((r) => r.path === '/hook'),
      20_000,
      100,
    );
    served.push(['webhook', rx.received.map((r) => r.body).join('\n')]);
    await agent!.stop();
    agent = null;
    const db = path.join(t.env.VIGIL_HOME!, 'vigil.db');
    const dump = execFileSync('sqlite3', [db, '.dump'], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    assert.ok(dump.includes(LABEL), 'the crash tails are in the database, redacted');
    served.push(['sqlite3 .dump', dump]);
    for (const f of ['vigil.db', 'vigil.db-wal', 'vigil.db-shm', 'logs/vigil-agent.log']) {
      const file = path.join(t.env.VIGIL_HOME!, f);
      if (fs.existsSync(file)) served.push([f, fs.readFileSync(file).toString('latin1')]);
    }
    const found = served
      .map(([where, text]) => [where, leaks(text).length] as const)
      .filter(([, n]) => n > 0);
    assert.deepEqual(found, [], 'where the secret is, and how many of its forms');
    assert.ok(served.length >= 15, served.map(([w]) => w).join(', '));
  });
});
