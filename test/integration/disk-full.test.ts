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
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { StatusDoc } from '../../agent/core/status.js';
import type { VigilEvent } from '../../agent/core/events.js';
import { ApiClient } from '../../agent/api/client.js';
import { parseExitLine } from '../../agent/adapters/fs/exit-journal.js';
import { makeHome, startAgent, waitFor, sleep, type AgentProcess, type TestHome } from '../helpers/vigil.js';
import { uniquePrefix } from '../helpers/systemd.js';

const PAGE = 4096;
/** Runs of the crasher: ~1.7 s each, enough to crash all through the full period and after it. */
const RUNS = 18;

function mountTmpfs(dir: string): string | null {
  if (process.getuid?.() !== 0) return 'not root: mounting a tmpfs needs root';
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=20m,mode=0700', 'tmpfs', dir], { stdio: 'pipe' });
    return null;
  } catch (err) {
    return `mount -t tmpfs is not permitted here: ${((err as { stderr?: Buffer }).stderr?.toString() ?? String(err)).trim()}`;
  }
}

/**
 * Pads `file` so it ends on a page boundary, inside the page it already has (so this needs no free
 * space): its next append then needs a new page, which a full tmpfs does not have. The pad is one line
 * `{   }` (valid JSON for the agent log, a malformed record the exit journal skips). The exit journal is
 * padded under the exit hooks' own lock (a POSIX fcntl lock, taken here through Python's fcntl.lockf),
 * so no record lands in between.
 */
function padToPage(file: string, lockFile?: string): void {
  const script = `
import fcntl, os, sys
file, lock = sys.argv[1], sys.argv[2]
lfd = os.open(lock, os.O_RDWR) if lock else None
if lfd is not None: fcntl.lockf(lfd, fcntl.LOCK_EX)
size = os.path.getsize(file) if os.path.exists(file) else 0
need = (${PAGE} - size % ${PAGE}) % ${PAGE}
pad = b'' if need == 0 else b'\\n' if need == 1 else b'0\\n' if need == 2 else b'{' + b' ' * (need - 3) + b'}\\n'
with open(file, 'ab') as f: f.write(pad)
`;
  execFileSync('/usr/bin/python3', ['-c', script, file, lockFile ?? '']);
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

const lines = (file: string) =>
  existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];

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
    // Each start of the crasher leaves a line outside the tmpfs: the truth its exit records are counted
    // against. It exits 3 (a crash, restarted) until its RUNS-th start, which exits 0 and ends it (no stop
    // command racing a start that has not written its line yet).
    const starts = path.join(t.home, `${crasher}.starts`);
    const yaml = `services:
  ${crasher}:
    command: [/bin/sh, -c, "n=$(wc -l < ${starts} 2>/dev/null || echo 0); echo started $(date +%s.%N) >> ${starts}; echo up; if [ $n -ge ${RUNS - 1} ]; then exit 0; fi; sleep 1; exit 3"]
    restart: { policy: on-failure, delaySec: 0.5, burst: 1000, intervalSec: 1 }
  ${sleeper}:
    command: [/bin/sh, -c, "exec sleep 1000"]
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
    const marks: string[] = [];
    const events = async (): Promise<VigilEvent[]> => (await api.events({ limit: 10000 })).events;
    await waitFor(
      'both running',
      async () => {
        const s = await api.status();
        return s.services.filter((x) => x.state === 'running').length === 2;
      },
      20_000,
    );

    // Fill it, then end the agent log and the exit journal on a page boundary, so their next line needs
    // space that is not there (a tmpfs gives out whole pages).
    const agentLog = path.join(home, 'logs', 'vigil-agent.log');
    const exits = path.join(home, 'state', 'exits.log');
    const filler = path.join(home, 'filler');
    fill(filler);
    padToPage(agentLog);
    padToPage(exits, `${exits}.pending`);
    marks.push(`filled ${Date.now() / 1000}`);
    assert.equal(
      Number(execFileSync('stat', ['-f', '-c', '%a', home]).toString().trim()),
      0,
      'no free block left',
    );

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
    const report = JSON.parse(doctor.stdout) as {
      checks: { name: string; level: string; message: string }[];
    };
    const space = report.checks.find((c) => c.name === 'disk space')!;
    assert.equal(space.level, 'fail');
    assert.match(
      space.message,
      /^disk full: 0 B free of 20\.0 MiB on .* — VIGIL_HOME uses logs\/ .*, state\/ .*, database .*; biggest: filler /,
    );
    assert.ok(
      report.checks.some((c) => c.name === 'exit records' && /exit record\(s\) kept in/.test(c.message)),
      JSON.stringify(report.checks),
    );
    assert.ok(
      report.checks.some((c) => c.name === 'agent: disk-full' && c.level === 'fail'),
      JSON.stringify(report.checks),
    );

    // Space returns.
    rmSync(filler);
    marks.push(`freed ${Date.now() / 1000}`);
    const cleared = await waitFor(
      'disk ok again',
      async () => {
        const doc = await api.status();
        return doc.disk?.state === 'ok' ? doc : undefined;
      },
      20_000,
    );
    assert.equal(cleared.disk!.pendingEvents, 0);

    // The crasher ends by itself after RUNS starts: then every start has exactly one exit record.
    const startCount = () => lines(path.join(t.home, `${crasher}.starts`)).length;
    const records = () =>
      lines(exits)
        .map((l, i) => parseExitLine(l, i))
        .filter((r) => r !== null);
    const tally = () => {
      const r = records();
      const pendingLeft = readFileSync(pendingFile).filter((b, i) => i % 256 === 0 && b !== 0).length;
      return {
        pendingLeft,
        crasher: [r.filter((x) => x.service === crasher).length, startCount()],
        sleeperKills: r.filter((x) => x.service === sleeper && x.signal === 'SIGKILL').length,
      };
    };
    // Done when it no longer runs (after RUNS starts; or earlier if the shared user manager was restarted
    // under the test, which stops every unit: then too each start must have its one record).
    const inactive = () => {
      try {
        return (
          execFileSync('systemctl', ['--user', 'is-active', `vigil-${crasher}.service`], { env: t.env })
            .toString()
            .trim() === 'inactive'
        );
      } catch (err) {
        return ['inactive', 'failed'].includes((err as { stdout?: Buffer }).stdout?.toString().trim() ?? '');
      }
    };
    await waitFor(
      'every exit in the journal',
      async () => {
        const n = tally();
        return n.pendingLeft === 0 && inactive() && n.crasher[0] === n.crasher[1];
      },
      60_000,
    ).catch((err: Error) => {
      const startLines = lines(path.join(t.home, `${crasher}.starts`));
      throw new Error(
        `${err.message}: ${JSON.stringify(tally())} (records, starts); ${marks.join(', ')}; starts:\n${startLines.join('\n')}\njournal:\n${lines(
          exits,
        )
          .filter((l) => !l.startsWith('x'))
          .join('\n')}`,
      );
    });
    const r = records();
    assert.equal(
      new Set(r.map((x) => `${x.at}:${x.service}:${lines(exits)[x.offset]}`)).size,
      r.length,
      'no record twice',
    );
    assert.equal(
      r.filter((x) => x.service === sleeper && x.signal === 'SIGKILL').length,
      2,
      'both kill -9s recorded, once',
    );
    assert.equal(
      r.filter((x) => x.service === crasher && x.result === 'success').length,
      1,
      'the last run exited 0',
    );
    const crashExits = r.filter((x) => x.service === crasher && x.result === 'exit-code').length;
    await waitFor(
      'a crashed event for each',
      async () =>
        (await events()).filter((e) => e.service === crasher && e.type === 'crashed').length === crashExits,
      10_000,
    );
    const ev = await events();
    const keys = ev.map((e) => e.key);
    assert.equal(new Set(keys).size, keys.length, 'no event twice');
    assert.equal(
      ev.filter((e) => e.service === sleeper && e.type === 'crashed' && e.exit?.signal === 'SIGKILL').length,
      2,
    );
    assert.deepEqual(
      ev.filter((e) => e.type === 'disk-full' || e.type === 'disk-recovered').map((e) => e.type),
      ['disk-full', 'disk-recovered'],
    );

    // The agent log resumed, with one note for what it could not write.
    const log = lines(agentLog).map((l) => JSON.parse(l) as { msg?: string });
    const notes = log.filter((l) => /^dropped \d+ log lines while the disk was full$/.test(l.msg ?? ''));
    assert.equal(notes.length, 1, `notes: ${JSON.stringify(notes)}`);
    const after = log.slice(log.indexOf(notes[0]!) + 1).map((l) => l.msg);
    assert.ok(
      after.some((m) => m?.startsWith('disk-full cleared after')),
      `lines after the note: ${after.join(' | ')}`,
    );
  });
});
