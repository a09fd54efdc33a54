/**
 * `vigil demo` on macOS, run here as far as Linux can: the demo stack's five services rendered as
 * LaunchAgents by the launchd backend's own renderer, read back with python3's plistlib and executed the
 * way launchd does (execvp of ProgramArguments with exactly EnvironmentVariables, output to
 * StandardOut/ErrorPath) through the real launcher. The demo key reaches demo-model-proxy from the 0600
 * credential file, never from a plist; the proxy turns healthy, demo-agent makes simulated calls through it
 * and counts them in /metrics, demo-worker logs llm_usage lines; a launchd stop (SIGTERM) is forwarded and
 * journaled. The demo's own agent LaunchAgent (dev.vigil.demo) is checked as `vigil demo --down` reads it:
 * removed only when its marker names the demo home. What cannot run here is launchctl itself (bootstrap,
 * bootout, print): that is the replay suite over recorded launchctl output (test/fixtures/launchd).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import {
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { vigilPaths, type VigilPaths } from '../../agent/core/paths.js';
import { parseManifest } from '../../agent/core/manifest/parse.js';
import { renderPlist } from '../../agent/adapters/launchd/plist-render.js';
import { agentPlistHome, renderAgentPlist } from '../../agent/adapters/launchd/agent-plist.js';
import { FileExitJournal } from '../../agent/adapters/fs/exit-journal.js';
import {
  DEFAULT_TIMINGS,
  DEMO_CREDENTIAL_SET,
  DEMO_KEY,
  DEMO_SERVICES,
  demoManifest,
} from '../../agent/cli/demo/manifest.js';
import { DEMO_AGENT_LABEL } from '../../agent/cli/commands/demo.js';
import { findPython, noPython, plistlibLoad, type Typed } from '../helpers/launchd.js';
import { ROOT, waitFor } from '../helpers/vigil.js';
import { freePort } from '../helpers/free-port.js';

const LAUNCHER = path.join(ROOT, 'dist', 'bin', 'vigil-launch');
const KEY_VALUE = 'demo-launchd-canary-4242';
const python = findPython();

const plain = (t: Typed | undefined): unknown => {
  if (t === undefined) return undefined;
  if ('dict' in t) return Object.fromEntries(Object.entries(t.dict).map(([k, v]) => [k, plain(v)]));
  if ('array' in t) return t.array.map(plain);
  return Object.values(t)[0];
};

interface Job {
  Label: string;
  ProgramArguments: string[];
  EnvironmentVariables: Record<string, string>;
  StandardOutPath: string;
  StandardErrorPath: string;
  KeepAlive: unknown;
}

describe('the demo stack as LaunchAgents, run as launchd runs them', { skip: noPython(python) }, () => {
  let tmp: string;
  let paths: VigilPaths;
  let stack: string;
  let agentDir: string;
  const jobs = new Map<string, { job: Job; plist: string; policy: string; child?: ChildProcess }>();
  let ports: { proxy: number; agent: number; watchdog: number; monitor: number; http: number };

  before(async () => {
    if (!existsSync(LAUNCHER))
      execFileSync('bash', [path.join(ROOT, 'scripts', 'build-launcher.sh')], { stdio: 'inherit' });
    tmp = mkdtempSync(path.join(os.tmpdir(), 'vigil-demo-launchd-'));
    const home = path.join(tmp, '.vigil-demo');
    paths = vigilPaths({ HOME: tmp, VIGIL_HOME: home });
    agentDir = path.join(tmp, 'Library', 'LaunchAgents');
    stack = path.join(home, 'stack');
    for (const d of [paths.credentials, paths.logs, path.dirname(paths.exits), stack, agentDir])
      mkdirSync(d, { recursive: true, mode: 0o700 });
    // What `vigil demo` does first: the stack's scripts into the demo home, the demo key as a credential set.
    const assets = path.join(ROOT, 'resources', 'demo');
    for (const f of readdirSync(assets).filter((f) => f.endsWith('.mjs')))
      copyFileSync(path.join(assets, f), path.join(stack, f));
    writeFileSync(path.join(paths.credentials, `${DEMO_CREDENTIAL_SET}.env`), `${DEMO_KEY}=${KEY_VALUE}\n`, {
      mode: 0o600,
    });
    ports = {
      proxy: await freePort(),
      agent: await freePort(),
      watchdog: await freePort(),
      monitor: await freePort(),
      http: await freePort(),
    };
    const text = demoManifest({
      node: process.execPath,
      stack,
      ports,
      timings: { ...DEFAULT_TIMINGS, callMs: 300, latencyScale: 0.15, workerMs: 1000 },
    });
    const { manifest } = parseManifest(text, { file: path.join(home, 'vigil.yaml') });
    for (const spec of manifest.services) {
      const unit = renderPlist(spec, { paths, agentDir, launcher: LAUNCHER });
      writeFileSync(unit.path, unit.content);
      const job = plain(plistlibLoad(python!, [unit.path])[0]) as Job;
      jobs.set(spec.name, { job, plist: unit.content, policy: spec.restart.policy });
    }
  });

  after(async () => {
    for (const { child } of jobs.values())
      if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  function start(name: string): ChildProcess {
    const j = jobs.get(name)!;
    const out = openSync(j.job.StandardOutPath, 'a');
    const err = openSync(j.job.StandardErrorPath, 'a');
    const child = spawn(j.job.ProgramArguments[0]!, j.job.ProgramArguments.slice(1), {
      env: { ...j.job.EnvironmentVariables, HOME: tmp },
      stdio: ['ignore', out, err],
    });
    closeSync(out);
    closeSync(err);
    j.child = child;
    return child;
  }

  const getText = async (url: string): Promise<{ status: number; text: string } | undefined> => {
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(2000) });
      return { status: r.status, text: await r.text() };
    } catch {
      return undefined;
    }
  };

  it('five LaunchAgents dev.vigil.demo-*, each run by the launcher, KeepAlive as its restart policy, no secret', () => {
    assert.deepEqual([...jobs.keys()].sort(), [...DEMO_SERVICES].sort());
    for (const [name, { job, plist, policy }] of jobs) {
      assert.equal(job.Label, `dev.vigil.${name}`);
      assert.equal(job.ProgramArguments[0], LAUNCHER, `${name} runs through the launcher`);
      assert.ok(
        job.ProgramArguments.includes(path.join(stack, `${name.replace(/^demo-/, '')}.mjs`)),
        `${name} runs its script from the demo home: ${job.ProgramArguments.join(' ')}`,
      );
      // restart: always → KeepAlive true; on-failure (the cron watchdog) → only after an unclean exit.
      assert.deepEqual(
        job.KeepAlive,
        policy === 'always' ? true : { SuccessfulExit: false },
        `${name}: ${policy}`,
      );
      assert.equal(plist.includes(KEY_VALUE), false, `${name}: the demo key is not in the plist`);
      assert.equal(JSON.stringify(job.EnvironmentVariables).includes(KEY_VALUE), false);
    }
  });

  it('the proxy gets the demo key from the credential file and turns healthy; the agent calls it and counts', async () => {
    const proxy = start('demo-model-proxy');
    await waitFor(
      'demo-model-proxy /health ok',
      async () => {
        const r = await getText(`http://127.0.0.1:${ports.proxy}/health`);
        return r?.status === 200 && /demo key loaded/.test(r.text);
      },
      20_000,
      200,
    ).catch((e: Error) => {
      throw new Error(
        `${e.message}; log: ${read(path.join(paths.logs, 'demo-model-proxy.log')).slice(-2000)}`,
      );
    });
    assert.equal(proxy.exitCode, null);
    start('demo-agent');
    start('demo-worker');
    const metrics = await waitFor(
      'demo-agent counting simulated calls',
      async () => {
        const r = await getText(`http://127.0.0.1:${ports.agent}/metrics`);
        const n = /^agent_requests_total\{[^}]*\} (\d+)/m.exec(r?.text ?? '');
        return n && Number(n[1]) > 0 ? r!.text : undefined;
      },
      30_000,
      300,
    );
    assert.match(metrics, /^agent_tokens_total\{/m);
    assert.match(metrics, /^agent_request_duration_seconds_bucket\{/m);
    await waitFor(
      'demo-worker logging llm_usage',
      () => /"event":"llm_usage"/.test(read(path.join(paths.logs, 'demo-worker.log'))),
      30_000,
      300,
    );
    for (const f of readdirSync(paths.logs))
      assert.equal(read(path.join(paths.logs, f)).includes(KEY_VALUE), false, `the key is not in ${f}`);
  });

  it('stopped by launchd (SIGTERM to each launcher): forwarded, each service ends cleanly, each exit journaled', async () => {
    const running = [...jobs.entries()].filter(([, j]) => j.child);
    assert.deepEqual(
      running.map(([n]) => n),
      ['demo-model-proxy', 'demo-agent', 'demo-worker'],
    );
    const ended = running.map(
      ([, j]) =>
        new Promise<NodeJS.Signals | number | null>((resolve) => {
          const c = j.child!;
          if (c.exitCode !== null || c.signalCode !== null) resolve(c.signalCode ?? c.exitCode);
          else c.on('exit', (code, sig) => resolve(sig ?? code));
        }),
    );
    for (const [, j] of running) j.child!.kill('SIGTERM');
    // The demo's scripts end on SIGTERM with exit 0, so launchd sees a clean exit (no KeepAlive respawn storm).
    assert.deepEqual(
      await Promise.all(ended),
      running.map(() => 0),
    );
    const recs = (await new FileExitJournal(paths.exits).readSince(0)).records;
    for (const [name] of running)
      assert.ok(
        recs.some((r) => r.service === name && r.result === 'success'),
        `${name}'s stop is in the exit journal: ${JSON.stringify(recs)}`,
      );
  });

  it("the demo's agent LaunchAgent: dev.vigil.demo, VIGIL_DEMO=1 on its port; --down takes only the demo home's", () => {
    const argv = [process.execPath, path.join(ROOT, 'bin', 'vigil.js'), 'agent', 'run', '--http'];
    const mine = renderAgentPlist(
      paths,
      [...argv, `127.0.0.1:${ports.http}`],
      { VIGIL_HOME: paths.home, VIGIL_DEMO: '1' },
      DEMO_AGENT_LABEL,
    );
    const file = path.join(agentDir, `${DEMO_AGENT_LABEL}.plist`);
    writeFileSync(file, mine);
    const job = plain(plistlibLoad(python!, [file])[0]) as Job;
    assert.equal(job.Label, 'dev.vigil.demo');
    assert.deepEqual(job.ProgramArguments, [...argv, `127.0.0.1:${ports.http}`]);
    assert.equal(job.EnvironmentVariables.VIGIL_DEMO, '1');
    assert.equal(job.EnvironmentVariables.VIGIL_HOME, paths.home);
    assert.equal(agentPlistHome(readFileSync(file)), paths.home, "the demo home's agent: --down removes it");
    // The user's own agent under the demo's label (another home) is not the demo's; a home with XML
    // specials in its name is still recognised (read as a plist, not as text).
    const other = vigilPaths({ HOME: tmp, VIGIL_HOME: path.join(tmp, 'mine') });
    assert.equal(
      agentPlistHome(Buffer.from(renderAgentPlist(other, argv, {}, DEMO_AGENT_LABEL))),
      other.home,
    );
    const odd = vigilPaths({ HOME: tmp, VIGIL_HOME: path.join(tmp, 'R&D <demo>') });
    assert.equal(agentPlistHome(Buffer.from(renderAgentPlist(odd, argv, {}, DEMO_AGENT_LABEL))), odd.home);
    assert.equal(agentPlistHome(Buffer.from('not a plist')), null);
  });
});

function read(f: string): string {
  return existsSync(f) ? readFileSync(f, 'utf8') : '';
}
