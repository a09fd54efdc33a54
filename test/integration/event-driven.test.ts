/**
 * Event-driven supervision on real systemd: an exit reaches the agent with every timer of the agent set to
 * an hour (the launcher's exit record wakes it); the D-Bus unit subscription, dropped, is re-established
 * and what changed meanwhile is reconciled; exits while the agent is down are seen once after its restart.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import pino from 'pino';
import type { VigilEvent } from '../../agent/core/events.js';
import { ApiClient } from '../../agent/api/client.js';
import { createContext, type Context } from '../../agent/daemon/compose.js';
import { Supervisor } from '../../agent/daemon/supervisor.js';
import type { UnitChangeHandler } from '../../agent/ports/service-manager.js';
import { FIXTURES, makeHome, run, startAgent, waitFor, type TestHome } from '../helpers/vigil.js';
import { uniquePrefix } from '../helpers/systemd.js';

const SLEEPER = path.join(FIXTURES, 'services', 'sleeper.sh');
const HOUR = '3600000';

describe('event-driven supervision (real systemd)', () => {
  let t: TestHome;
  const p = uniquePrefix();
  const web = `${p}-web`;
  const other = `${p}-other`;
  const rep = `${p}-rep`;

  before(async () => {
    t = await makeHome();
    const yaml = `services:
  ${web}:
    command: [${SLEEPER}]
    restart: { policy: always, delaySec: 0.1 }
  ${other}:
    command: [${SLEEPER}]
    restart: { policy: always, delaySec: 0.1 }
  ${rep}:
    replicas: 2
    command: [${SLEEPER}]
    restart: { policy: always, delaySec: 0.1 }
`;
    await t.json(['apply', '-f', t.manifest(yaml)]);
  });
  after(async () => {
    await t.cleanup();
  });

  it('with every timer an hour away, kill -9 still reaches the agent (crashed) and the push brings the restart', async () => {
    const env = {
      VIGIL_IDLE_TICK_MS: HOUR,
      VIGIL_SAMPLE_MS: HOUR,
      VIGIL_IDLE_SAMPLE_MS: HOUR,
      VIGIL_BUDGET_EVAL_MS: HOUR,
      VIGIL_GC_EVERY_MS: '0',
      VIGIL_PUSH_STALE_MS: HOUR,
    };
    const agent = await startAgent({ ...t, env: { ...t.env, ...env } });
    const api = new ApiClient({ socketPath: path.join(t.env.VIGIL_HOME!, 'agent.sock') });
    try {
      const before = await waitFor(
        'web running and healthy',
        async () =>
          (await api.status()).services.find(
            (s) => s.name === web && s.state === 'running' && s.health === 'healthy' && s.pid,
          ),
        30_000,
      );
      const ctl = new AbortController();
      const seen: { e: VigilEvent; at: number }[] = [];
      const stream = api
        .streamEvents({ service: web }, (e) => seen.push({ e, at: Date.now() }), ctl.signal)
        .catch(() => undefined);
      await new Promise((r) => setTimeout(r, 300));
      const killedAt = Date.now();
      process.kill(before.pid!, 'SIGKILL');
      const crashed = await waitFor(
        'crashed on the stream',
        () => seen.find((x) => x.e.type === 'crashed'),
        5000,
        5,
      );
      assert.ok(crashed.at - killedAt < 1000, `crashed after ${crashed.at - killedAt} ms`);
      assert.equal(crashed.e.exit?.signal, 'SIGKILL');
      // No poll is due for an hour (nor a stale exit's): the new run can only have come by the subscription.
      const restarted = await waitFor(
        'restarted on the stream',
        () => seen.find((x) => x.e.type === 'restarted'),
        5000,
        5,
      );
      const now = await waitFor('the new pid in the status', async () =>
        (await api.status()).services.find((s) => s.name === web && s.pid !== before.pid && s.pid),
      );
      assert.equal(restarted.e.data?.pid, now.pid);
      assert.equal(now.restarts, before.restarts + 1);
      // A stop from outside Vigil: no exit record of a crash, only the unit's change on D-Bus.
      await run('systemctl', ['--user', 'stop', `vigil-${other}.service`], t.env, {});
      await waitFor(
        'other stopped (pushed)',
        async () => (await api.status()).services.find((s) => s.name === other && s.state === 'stopped'),
        5000,
      );
      // An instance of a template unit (its object path escapes the `@`): its restart is pushed too.
      const inst = `${rep}@2`;
      const was = await waitFor('the instance running', async () =>
        (await api.status()).services.find((s) => s.name === inst && s.state === 'running' && s.pid),
      );
      process.kill(was.pid!, 'SIGKILL');
      const back = await waitFor(
        'the instance restarted (pushed)',
        async () =>
          (await api.status()).services.find(
            (s) => s.name === inst && s.state === 'running' && s.pid && s.pid !== was.pid,
          ),
        5000,
        20,
      );
      assert.equal(back.restarts, was.restarts + 1);
      ctl.abort();
      await stream;
    } finally {
      assert.equal(await agent.stop(), 0);
    }
    await run('systemctl', ['--user', 'start', `vigil-${other}.service`], t.env, {});
  });

  it('a dropped D-Bus subscription is re-established and what changed meanwhile is reconciled', async () => {
    const ctx: Context = await createContext(t.env, { agent: true });
    const store = ctx.store();
    let handle: { close(): void; drop?(): void } | null = null;
    const ups: number[] = [];
    const manager = Object.create(ctx.manager) as typeof ctx.manager;
    Object.defineProperty(manager, 'watch', {
      value: (h: UnitChangeHandler) => {
        handle = ctx.rawManager.watch!({
          up: () => (ups.push(Date.now()), h.up()),
          changed: (s) => h.changed(s),
          down: (e) => h.down(e),
        });
        return handle;
      },
    });
    let wakes = 0;
    const sup = new Supervisor({
      manager,
      store,
      journal: ctx.journal,
      clock: ctx.clock,
      logger: pino({ level: 'silent' }),
      readLogTail: async () => [],
      wake: () => wakes++,
      reconcileEveryMs: 3_600_000,
    });
    try {
      await sup.tick();
      const stop = sup.startWatching();
      await waitFor('subscribed', () => sup.pushed, 5000);
      await waitFor('first reconciliation', () => wakes > 0, 5000);
      await sup.tick();
      const state = (name: string) => sup.currentStatus().services.find((s) => s.name === name)?.state;
      assert.equal(state(other), 'running');

      handle!.drop!();
      await waitFor('lost', () => !sup.pushed, 2000, 5);
      // While nobody listens: stop it from outside Vigil.
      await run('systemctl', ['--user', 'stop', `vigil-${other}.service`], t.env, {});
      await waitFor('re-established', () => (ups.length >= 2 && sup.pushed) || undefined, 10_000);
      await waitFor(
        'reconciled: other stopped',
        async () => (await sup.tick(), state(other) === 'stopped' || undefined),
        5000,
      );
      stop();
    } finally {
      ctx.close();
      await run('systemctl', ['--user', 'start', `vigil-${other}.service`], t.env, {});
    }
  });

  it('an exit while the agent is down is seen once after its restart, and not again after the next', async () => {
    const api = new ApiClient({ socketPath: path.join(t.env.VIGIL_HOME!, 'agent.sock') });
    let agent = await startAgent(t);
    const before = await waitFor('web running', async () =>
      (await api.status()).services.find((s) => s.name === web && s.state === 'running' && s.pid),
    );
    const crashesBefore = (await api.events({ service: web, types: ['crashed'], limit: 1000 })).events.length;
    assert.equal(await agent.stop(), 0);
    process.kill(before.pid!, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 1000));
    agent = await startAgent(t);
    try {
      const crashes = await waitFor('the exit of the down time, once', async () => {
        const list = (await api.events({ service: web, types: ['crashed'], limit: 1000 })).events;
        return list.length > crashesBefore ? list : undefined;
      });
      assert.equal(crashes.length, crashesBefore + 1);
      assert.equal(await agent.stop(), 0);
      agent = await startAgent(t);
      await new Promise((r) => setTimeout(r, 1500));
      const again = (await api.events({ service: web, limit: 10000 })).events;
      assert.equal(again.filter((e) => e.type === 'crashed').length, crashesBefore + 1, 'no duplicate');
      const keys = again.map((e) => e.key);
      assert.equal(new Set(keys).size, keys.length);
    } finally {
      await agent.stop();
    }
  });
});
