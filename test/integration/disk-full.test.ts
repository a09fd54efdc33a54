/**
 * A full disk is a state, not a crash: VIGIL_HOME on a real 20 MB tmpfs, filled to 100 % while real
 * systemd services crash and are kill -9'd. The agent stays up and answers, `vigil status` and `vigil
 * doctor` report the condition and where the space went, and once space is freed every exit is recorded
 * exactly once, the agent log resumes with its dropped-lines note, and the condition clears.
 *
 * Needs root (mount -t tmpfs); skipped with the reason otherwise.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { StatusDoc } from '../../agent/core/status.js';
import type { VigilEvent } from '../../agent/core/events.js';
import { ApiClient } from '../../agent/api/client.js';
import { parseExitLine } from '../../agent/adapters/fs/exit-journal.js';
import { makeHome, startAgent, waitFor, sleep, type AgentProcess, type TestHome } from '../helpers/vigil.js';
import { uniquePrefix } from '../helpers/systemd.js';

const PAGE = 4096;

function mountTmpfs(dir: string): string | null {
  if (process.getuid?.() !== 0) return 'not root: mounting a tmpfs needs root';
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=20m,mode=0700', 'tmpfs', dir], { stdio: 'pipe' });
    return null;
  } catch (err) {
    return `mount -t tmpfs is not permitted here: ${((err as { stderr?: Buffer }).stderr?.toString() ?? String(err)).trim()}`;
  }
}

/** Pads `file` with a JSON line so it ends on a page boundary: its next append then needs a new page. */
function padToPage(file: string, line: (pad: string) => string): void {
  const size = existsSync(file) ? statSync(file).size : 0;
  const need = (PAGE - (size % PAGE)) % PAGE;
  if (need === 0) return;
  const base = line('').length;
  // a line shorter than its own frame cannot pad: pad a whole extra page then
  appendFileSync(file, line('x'.repeat(need >= base ? need - base : need + PAGE - base)));
}

/** Fills the file system: big writes, then smaller ones, until not one more byte fits. */
function fill(file: string): void {
  const fd = openSync(file, 'w');
  try {
    for (const size of [1024 * 1024, 64 * 1024, 4096, 512, 1]) {
      const buf = Buffer.alloc(size, 7);
      for (;;) {
        try {
          writeSync(fd, buf);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
          break;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
}

const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);

describe('a full disk (real tmpfs, real systemd)', () => {
  let t: TestHome;
  let agent: AgentProcess | undefined;
  let api: ApiClient;
  let skip: string | null = null;
  let mounted = false;
  const p = uniquePrefix();
  const crasher = `${p}-crash`;
  const sleeper = `${p}-sleep`;
  let home = '';

  before(async () => {
    t = await makeHome('vigil-disk-');
    home = t.env.VIGIL_HOME!;
    mkdirSync(home, { recursive: true, mode: 0o700 });
    skip = mountTmpfs(home);
    if (skip) return;
    mounted = true;
    // Each start leaves a line outside the tmpfs: the truth the exit records are counted against.
    const started = (name: string) => `echo started >> ${path.join(t.home, `${name}.starts`)}`;
    const yaml = `services:
  ${crasher}:
    command: [/bin/sh, -c, "${started(crasher)}; echo up; sleep 1; exit 3"]
    restart: { policy: always, delaySec: 0.5, burst: 1000, intervalSec: 1 }
  ${sleeper}:
    command: [/bin/sh, -c, "${started(sleeper)}; exec sleep 1000"]
    restart: { policy: always, delaySec: 0.3, burst: 1000, intervalSec: 1 }
`;
    await t.json(['apply', '-f', t.manifest(yaml)]);
    agent = await startAgent(t);
    api = new ApiClient({ socketPath: path.join(home, 'agent.sock') });
  });

  after(async () => {
    await agent?.kill().catch(() => undefined);
    if (mounted) execFileSync('umount', ['-l', home]);
    await t?.cleanup();
  });

  it('keeps the agent serving, reports the condition, and records every exit once after space returns', async (tc) => {
    if (skip) {
      tc.skip(skip);
      return;
    }
    const events = async (): Promise<VigilEvent[]> => (await api.events({ limit: 10000 })).events;
    await waitFor('both running', async () => {
      const s = await api.status();
      return s.services.filter((x) => x.state === 'running').length === 2;
    }, 20_000);

    // Fill it: the agent log and the exit journal end on a page boundary first, so their next line
    // needs space that is not there (a tmpfs gives out whole pages).
    const agentLog = path.join(home, 'logs', 'vigil-agent.log');
    const exits = path.join(home, 'state', 'exits.log');
    padToPage(agentLog, (pad) => `${JSON.stringify({ level: 30, msg: 'test padding', pad })}\n`);
    padToPage(exits, (pad) => `${pad}\n`);
    const filler = path.join(home, 'filler');
    fill(filler);
    assert.equal(Number(execFileSync('stat', ['-f', '-c', '%a', home]).toString().trim()), 0, 'no free block left');

    // Crashes while full: the crasher exits 3 every ~1.5 s; the sleeper is killed with SIGKILL twice.
    for (let i = 0; i < 2; i++) {
      await sleep(2500);
      const s = (await api.status()).services.find((x) => x.name === sleeper);
      if (s?.pid) process.kill(s.pid, 'SIGKILL');
    }
    await sleep(2500);

    // Alive and answering.
    const health = await api.health();
    assert.equal(health.ok, true);
    const full = await waitFor('status disk-full', async () => {
      const doc = await t.json<StatusDoc>(['status']);
      return doc.disk?.state === 'disk-full' ? doc : undefined;
    });
    assert.equal(full.disk!.freeBytes, 0);
    const pendingFile = `${exits}.pending`;
    const kept = await waitFor('exit records kept', async () => {
      const d = (await api.status()).disk;
      return d && d.pendingExits >= 3 ? d.pendingExits : undefined;
    });
    assert.ok(kept >= 3, 'the exit hook kept the records in its preallocated slots');
    const text = await t.vigil(['status']);
    assert.match(text.stdout, /DISK FULL since .*: .*0 B free of 20\.0 MiB/);

    const doctor = await t.vigil(['doctor', '--json']);
    assert.equal(doctor.code, 1, `doctor fails (but answers): ${doctor.stderr}`);
    const report = JSON.parse(doctor.stdout) as { checks: { name: string; level: string; message: string }[] };
    const space = report.checks.find((c) => c.name === 'disk space')!;
    assert.equal(space.level, 'fail');
    assert.match(space.message, /^disk full: 0 B free of 20\.0 MiB on .* — VIGIL_HOME uses logs\/ .*, state\/ .*, database .*; biggest: filler /);
    assert.ok(report.checks.some((c) => c.name === 'exit records' && /exit record\(s\) kept in/.test(c.message)), JSON.stringify(report.checks));
    assert.ok(report.checks.some((c) => c.name === 'agent: disk-full' && c.level === 'fail'), JSON.stringify(report.checks));

    // Space returns.
    rmSync(filler);
    const cleared = await waitFor('disk ok again', async () => {
      const doc = await api.status();
      return doc.disk?.state === 'ok' ? doc : undefined;
    }, 20_000);
    assert.equal(cleared.disk!.pendingEvents, 0);

    // Stop both, then every start has exactly one exit record, and each crash one event.
    await t.vigil(['stop', crasher, sleeper]);
    const starts = (name: string) => lines(path.join(t.home, `${name}.starts`)).length;
    const records = () => lines(exits).map((l, i) => parseExitLine(l, i)).filter((r) => r !== null);
    await waitFor('every exit in the journal', async () => {
      const r = records();
      const pendingLeft = readFileSync(pendingFile).some((b, i) => i % 256 === 0 && b !== 0);
      return !pendingLeft && r.filter((x) => x.service === crasher).length === starts(crasher) && r.filter((x) => x.service === sleeper).length === starts(sleeper);
    }, 20_000);
    const r = records();
    assert.ok(starts(crasher) >= 5, `crasher started ${starts(crasher)} times`);
    assert.equal(new Set(r.map((x) => `${x.at}:${x.service}:${lines(exits)[x.offset]}`)).size, r.length, 'no record twice');
    assert.equal(r.filter((x) => x.service === sleeper && x.signal === 'SIGKILL').length, 2, 'both kill -9s recorded');
    const crashExits = r.filter((x) => x.service === crasher && x.result === 'exit-code').length;
    await waitFor('a crashed event for each', async () => (await events()).filter((e) => e.service === crasher && e.type === 'crashed').length === crashExits, 10_000);
    const ev = await events();
    const keys = ev.map((e) => e.key);
    assert.equal(new Set(keys).size, keys.length, 'no event twice');
    assert.equal(ev.filter((e) => e.service === sleeper && e.type === 'crashed' && e.exit?.signal === 'SIGKILL').length, 2);
    assert.deepEqual(ev.filter((e) => e.type === 'disk-full' || e.type === 'disk-recovered').map((e) => e.type), ['disk-full', 'disk-recovered']);

    // The agent log resumed, with one note for what it could not write.
    const log = lines(agentLog).map((l) => JSON.parse(l) as { msg: string });
    const notes = log.filter((l) => /^dropped \d+ log lines while the disk was full$/.test(l.msg));
    assert.equal(notes.length, 1, `notes: ${JSON.stringify(notes)}`);
    const after = log.slice(log.indexOf(notes[0]!) + 1).map((l) => l.msg);
    assert.ok(after.some((m) => m.startsWith('disk-full cleared after')), `lines after the note: ${after.join(' | ')}`);
  });
});
