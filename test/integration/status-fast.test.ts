/**
 * `vigil status --json` as a whole process against a real agent and real systemd units: through the agent
 * it loads only the socket client (agent/cli/status-fast.ts), and with a dead agent's socket left behind it
 * still answers, directly.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { StatusDoc } from '../../agent/core/status.js';
import { ApiClient } from '../../agent/api/client.js';
import {
  BIN,
  FIXTURES,
  ROOT,
  makeHome,
  run,
  startAgent,
  waitFor,
  type AgentProcess,
  type TestHome,
} from '../helpers/vigil.js';
import { uniquePrefix } from '../helpers/systemd.js';

const SLEEPER = path.join(FIXTURES, 'services', 'sleeper.sh');

describe('vigil status --json, the whole process (real systemd)', () => {
  let t: TestHome;
  let agent: AgentProcess | null = null;
  let api: ApiClient;
  let trace: string;
  const p = uniquePrefix();
  const names = [`${p}-a`, `${p}-b`];

  before(async () => {
    t = await makeHome();
    const yaml = `services:\n${names.map((n) => `  ${n}:\n    command: [${SLEEPER}]\n`).join('')}`;
    const applied = await t.vigil(['apply', '-f', t.manifest(yaml), '--json']);
    assert.equal(applied.code, 0, applied.stderr);
    // A module loader hook that names every module the process loads, on stderr.
    const hooks = path.join(t.home, 'hooks.mjs');
    writeFileSync(
      hooks,
      "import { writeSync } from 'node:fs';\nexport async function load(url, context, next) {\n  writeSync(2, `LOADED ${url}\\n`);\n  return next(url, context);\n}\n",
    );
    trace = path.join(t.home, 'trace.mjs');
    writeFileSync(
      trace,
      `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`,
    );
    agent = await startAgent(t);
    api = new ApiClient({ socketPath: path.join(t.env.VIGIL_HOME!, 'agent.sock') });
    await waitFor('both running', async () => {
      const s = await api.status();
      return s.services.filter((x) => x.state === 'running').length === 2 || undefined;
    });
  });
  after(async () => {
    await agent?.kill().catch(() => undefined);
    await t.cleanup();
  });

  /** `vigil status --json` traced: its output, and the tree's own modules it loaded (relative to the root). */
  async function traced(): Promise<{ code: number | null; doc: StatusDoc; mine: string[] }> {
    const r = await run(process.execPath, ['--import', trace, BIN, 'status', '--json'], t.env, {});
    const root = pathToFileURL(ROOT).href;
    const mine = r.stderr
      .split('\n')
      .flatMap((l) => (l.startsWith(`LOADED ${root}/`) ? [l.slice(`LOADED ${root}/`.length)] : []));
    return { code: r.code, doc: JSON.parse(r.stdout) as StatusDoc, mine };
  }

  it('through the agent: its answer, with the socket client and the paths alone loaded', async () => {
    const { code, doc, mine } = await traced();
    assert.equal(code, 0);
    assert.deepEqual(
      doc.services.map((s) => [s.name, s.state]).sort(),
      names.map((n) => [n, 'running']),
    );
    assert.deepEqual(
      doc.services.map((s) => s.pid).sort(),
      (await api.status()).services.map((s) => s.pid).sort(),
    );
    assert.deepEqual(mine.sort(), [
      'bin/vigil.js',
      'dist/agent/adapters/http/raw-get.js',
      'dist/agent/api/socket-exchange.js',
      'dist/agent/cli/status-fast.js',
      'dist/agent/core/paths.js',
    ]);
  });

  it('with the socket of an agent killed -9 left behind: the same services, read directly', async () => {
    await agent!.kill();
    agent = null;
    const { code, doc, mine } = await traced();
    assert.equal(code, 0);
    assert.deepEqual(
      doc.services.map((s) => [s.name, s.state]).sort(),
      names.map((n) => [n, 'running']),
    );
    assert.ok(mine.includes('dist/agent/cli/commands/direct.js'), 'the direct path ran');
  });
});
