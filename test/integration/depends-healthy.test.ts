/**
 * `dependsOn: { redis: healthy }` on the real systemd user manager with a real redis-server that comes up
 * 3 s after each start: the dependent's first output comes only after Redis accepted connections — on
 * apply, after `vigil restart` of Redis, when systemd starts both units by itself (boot, login), and after
 * Redis was killed and restarted by systemd itself.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { FIXTURES, makeHome, sleep, waitFor, type TestHome } from '../helpers/vigil.js';
import { uniquePrefix } from '../helpers/systemd.js';
import { requireLauncher } from '../helpers/launcher.js';
import type { StatusDoc } from '../../agent/core/status.js';
import { freePort } from '../helpers/free-port.js';

const exec = promisify(execFile);
const SLOW_REDIS = path.join(FIXTURES, 'services', 'slow-redis.sh');

/** Connects to the port every 20 ms and remembers each try; `upAfter(t)`: the first success after a failure at or after t. */
function watchPort(port: number) {
  const tries: { at: number; ok: boolean }[] = [];
  let stop = false;
  const loop = (async () => {
    while (!stop) {
      const at = Date.now();
      const ok = await new Promise<boolean>((resolve) => {
        const c = connect(port, '127.0.0.1');
        c.once('connect', () => (c.destroy(), resolve(true)));
        c.once('error', () => resolve(false));
      });
      tries.push({ at, ok });
      await sleep(20);
    }
  })();
  return {
    upAfter(t: number): number | undefined {
      const down = tries.findIndex((x) => x.at >= t && !x.ok);
      return down < 0 ? undefined : tries.slice(down).find((x) => x.ok)?.at;
    },
    async close() {
      stop = true;
      await loop;
    },
  };
}

describe('dependsOn: healthy (real systemd, real redis-server)', () => {
  let t: TestHome;
  const p = uniquePrefix();
  const redis = `${p}-redis`;
  const web = `${p}-web`;
  let port: number;
  let env: NodeJS.ProcessEnv;
  let watch: ReturnType<typeof watchPort>;
  const webLog = () => readFileSync(path.join(t.env.VIGIL_HOME!, 'logs', `${web}.log`), 'utf8');
  /** The dependent's "first <ms> <redis-cli ping>" lines, one per start. */
  const firsts = () =>
    webLog()
      .split('\n')
      .filter((l) => l.startsWith('first '))
      .map((l) => {
        const [, at, ...reply] = l.split(' ');
        return { at: Number(at), reply: reply.join(' ') };
      });
  const show = async (unit: string, prop: string) =>
    (await exec('systemctl', ['--user', 'show', '-p', prop, '--value', unit], { env })).stdout.trim();

  before(async () => {
    requireLauncher();
    t = await makeHome();
    env = t.env;
    port = await freePort();
    watch = watchPort(port);
  });
  after(async () => {
    await watch.close();
    await t.cleanup();
  });

  it('on apply: the dependent waits (saying so in its log and its unit status) until Redis accepts connections', async () => {
    const file = t.manifest(`services:
  ${redis}:
    command: [${SLOW_REDIS}]
    env: { PORT: "${port}", DELAY: "3" }
    health: { tcp: "127.0.0.1:${port}", intervalSec: 1 }
  ${web}:
    command: [/bin/sh, -c, 'echo "first $(date +%s%3N) $(redis-cli -p ${port} ping 2>&1)"; exec sleep 1000']
    dependsOn: { ${redis}: healthy }
`);
    const t0 = Date.now();
    const applying = t.vigil(['apply', '-f', file], { timeoutMs: 120_000 });
    // While it waits, the unit is "activating" and its status text says for what.
    const status = await waitFor(
      'the waiting status',
      async () => {
        const s = await show(`vigil-${web}.service`, 'StatusText');
        return s.startsWith('waiting for') ? s : undefined;
      },
      10_000,
    );
    assert.equal(status, `waiting for ${redis} (tcp 127.0.0.1:${port}) to be healthy`);
    assert.equal(await show(`vigil-${web}.service`, 'ActiveState'), 'activating');
    const r = await applying;
    assert.equal(r.code, 0, r.stderr);
    const [first] = await waitFor('the first line', () => (firsts().length === 1 ? firsts() : undefined));
    const up = watch.upAfter(t0);
    assert.ok(up !== undefined, 'redis came up');
    assert.equal(first!.reply, 'PONG', 'Redis answered the dependent at its first output');
    assert.ok(first!.at >= up - 50, `first output ${first!.at - up} ms after Redis accepted connections`);
    assert.ok(first!.at - t0 >= 2500, 'redis started 3 s late, and so did the dependent');
    const log = webLog();
    assert.match(
      log,
      new RegExp(
        `^vigil-launch: waiting for ${redis} \\(tcp 127\\.0\\.0\\.1:${port}\\) to be healthy before starting ${web} \\(up to 60 s\\)$`,
        'm',
      ),
    );
    assert.match(
      log,
      new RegExp(`^vigil-launch: ${redis} is healthy after \\d+\\.\\d s; starting ${web}$`, 'm'),
    );
    assert.equal(
      await show(`vigil-${web}.service`, 'StatusText'),
      '',
      'the status text is cleared once started',
    );
  });

  it('a restart of Redis restarts the dependent, which waits for Redis again (shown in vigil status)', async () => {
    const pid0 = await show(`vigil-${web}.service`, 'MainPID');
    const t0 = Date.now();
    const restarting = t.vigil(['restart', redis], { timeoutMs: 120_000 });
    // `vigil status` says what it waits for while it waits.
    const waiting = await waitFor(
      'status: waiting',
      async () => {
        const doc = await t.json<StatusDoc>(['status']);
        return doc.services.find((s) => s.name === web && s.waiting !== undefined);
      },
      10_000,
      200,
    );
    assert.equal(waiting.state, 'starting');
    assert.equal(waiting.waiting, `waiting for ${redis} (tcp 127.0.0.1:${port}) to be healthy`);
    const r = await restarting;
    assert.equal(r.code, 0, r.stderr);
    const second = await waitFor('a second first line', () => firsts()[1], 20_000);
    assert.notEqual(await show(`vigil-${web}.service`, 'MainPID'), pid0, 'restarted by systemd');
    const up = watch.upAfter(t0);
    assert.ok(up !== undefined, 'redis came up again');
    assert.equal(second.reply, 'PONG');
    assert.ok(second.at >= up - 50, `first output ${second.at - up} ms after Redis accepted connections`);
    assert.ok(second.at - t0 >= 2500);
  });

  it('at boot or login (systemd starts both units itself, no agent, no one waiting): the dependent still waits', async () => {
    await exec('systemctl', ['--user', 'stop', `vigil-${web}.service`, `vigil-${redis}.service`], { env });
    const before = firsts().length;
    const t0 = Date.now();
    // What default.target does with the enabled units: queue both start jobs and not wait for them.
    await exec(
      'systemctl',
      ['--user', 'start', '--no-block', `vigil-${redis}.service`, `vigil-${web}.service`],
      { env },
    );
    const next = await waitFor('a first line after the boot-like start', () => firsts()[before], 20_000);
    const up = watch.upAfter(t0);
    assert.ok(up !== undefined, 'redis came up');
    assert.equal(next.reply, 'PONG');
    assert.ok(next.at >= up - 50, `first output ${next.at - up} ms after Redis accepted connections`);
    assert.ok(next.at - t0 >= 2500);
  });

  it('Redis killed and restarted by systemd (Restart=always): the dependent is restarted and waits again', async () => {
    const redisPid = await show(`vigil-${redis}.service`, 'MainPID');
    const t0 = Date.now();
    process.kill(Number(redisPid), 'SIGKILL');
    const before = firsts().length;
    const third = await waitFor('the next first line', () => firsts()[before], 20_000);
    const up = watch.upAfter(t0);
    assert.ok(up !== undefined, 'redis came up again');
    assert.equal(third.reply, 'PONG');
    assert.ok(third.at >= up - 50, `first output ${third.at - up} ms after Redis accepted connections`);
    assert.ok(third.at - t0 >= 3000, 'restart delay (1 s) + 3 s slow start');
  });
});
