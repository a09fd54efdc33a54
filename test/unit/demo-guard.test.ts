/**
 * What `vigil demo` refuses so that nothing of the user's own is touched: a demo home that would share
 * VIGIL_HOME, a folder that is not a demo home (up and --down), a unit of a demo name owned by another
 * VIGIL_HOME. Each refusal changes nothing on disk.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { main } from '../../agent/cli/main.js';
import type { Io } from '../../agent/cli/io.js';

function io(env: NodeJS.ProcessEnv): Io & { stderr: () => string } {
  let err = '';
  return {
    out: () => undefined,
    err: (t) => (err += t),
    stdin: Readable.from([]),
    env: { PATH: process.env.PATH, VIGIL_BACKEND: 'systemd', ...env },
    cwd: '/',
    stderr: () => err,
  };
}

function withTemp(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-demo-guard-'));
  return fn(dir).finally(() => rmSync(dir, { recursive: true, force: true }));
}

describe('vigil demo: what it refuses', () => {
  it('a demo home that is (or is inside, or holds) VIGIL_HOME', () =>
    withTemp(async (dir) => {
      for (const [demo, own] of [
        [dir, dir],
        [path.join(dir, 'in'), dir],
        [dir, path.join(dir, 'in')],
      ]) {
        const x = io({ HOME: dir, VIGIL_HOME: own, VIGIL_DEMO_HOME: demo });
        assert.equal(await main(['demo', '--no-browser'], x), 2);
        assert.match(x.stderr(), /would share your VIGIL_HOME/);
      }
      assert.deepEqual(readdirSync(dir), []);
    }));

  it('a folder that is not a demo home, for up and for --down, leaving it as it was', () =>
    withTemp(async (dir) => {
      const demo = path.join(dir, 'mine');
      mkdirSync(demo);
      writeFileSync(path.join(demo, 'notes.txt'), 'keep me\n');
      const env = { HOME: dir, VIGIL_HOME: path.join(dir, 'vh'), VIGIL_DEMO_HOME: demo };
      const up = io(env);
      assert.equal(await main(['demo', '--no-browser'], up), 2);
      assert.match(up.stderr(), /exists and is not a Vigil demo home/);
      const down = io(env);
      assert.equal(await main(['demo', '--down'], down), 2);
      assert.match(down.stderr(), /is not a Vigil demo home \(no \.vigil-demo in it\); nothing removed/);
      assert.deepEqual(readdirSync(demo), ['notes.txt']);
    }));

  it("a unit of a demo name that belongs to another VIGIL_HOME (the user's own demo-agent)", () =>
    withTemp(async (dir) => {
      const units = path.join(dir, 'units');
      mkdirSync(units);
      const theirs = `[Unit]\nX-Vigil-Home=${dir}/vh\n[Service]\nExecStart=/bin/true\n`;
      writeFileSync(path.join(units, 'vigil-demo-agent.service'), theirs);
      const demo = path.join(dir, 'demo');
      const x = io({
        HOME: dir,
        VIGIL_HOME: path.join(dir, 'vh'),
        VIGIL_DEMO_HOME: demo,
        VIGIL_SYSTEMD_UNIT_DIR: units,
      });
      assert.equal(await main(['demo', '--no-browser'], x), 2);
      assert.match(
        x.stderr(),
        /vigil-demo-agent\.service exists and is not the demo's \(it belongs to .*\/vh\)/,
      );
      assert.equal(existsSync(demo), false, 'no demo home was made');
      assert.deepEqual(readdirSync(units), ['vigil-demo-agent.service']);
    }));

  it('a pace that is not a number, before anything is made', () =>
    withTemp(async (dir) => {
      const x = io({
        HOME: dir,
        VIGIL_HOME: path.join(dir, 'vh'),
        VIGIL_DEMO_HOME: path.join(dir, 'd'),
        VIGIL_DEMO_CALL_MS: 'x',
      });
      assert.equal(await main(['demo'], x), 2);
      assert.match(x.stderr(), /VIGIL_DEMO_CALL_MS must be a positive number/);
      assert.deepEqual(readdirSync(dir), []);
    }));
});
