/**
 * Arguments that span lines (a multi-line `python -c` or `sh -c` script) on the real systemd user manager:
 * `vigil apply` accepts them, ExecStart= carries them with C escapes, and the process receives each one
 * byte for byte; a second apply changes nothing (no drift from the escapes).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { StatusDoc } from '../../agent/core/status.js';
import { FIXTURES, makeHome, waitFor, type TestHome } from '../helpers/vigil.js';
import { uniquePrefix } from '../helpers/systemd.js';

const ECHO = path.join(FIXTURES, 'services', 'echo-argv.mjs');
const unitFile = (name: string) =>
  path.join(process.env.HOME ?? '/root', '.config', 'systemd', 'user', `vigil-${name}.service`);

/** Indentation matters to Python: a line break turned into anything else is a SyntaxError. */
const PY = [
  'import json, sys',
  'out = sys.argv[1]',
  'with open(out, "w") as f:',
  '    for a in sys.argv[2:]:',
  '        f.write(json.dumps(a) + "\\n")',
  'import time',
  'while True:',
  '    time.sleep(1000)',
  '',
].join('\n');

const SH = [
  'set -e',
  'out="$1"',
  'printf \'first %s\\n\' 100% > "$out"',
  'printf \'second\\n\' >> "$out"',
  'exec sleep 1000',
  '',
].join('\n');

const MULTI = [
  'one\ntwo',
  'tab\tand\nbreak\n',
  'crlf\r\nline',
  '\n',
  '  indented\n    more  \n',
  'end $HOME %n\\',
];

describe('multi-line arguments (real systemd)', () => {
  let t: TestHome;
  const p = uniquePrefix();
  const out = (n: string) => path.join(t.home, `${n}.out`);
  let yaml: string;

  before(async () => {
    t = await makeHome();
    yaml =
      'services:\n' +
      `  ${p}-echo:\n    command: ${JSON.stringify([process.execPath, ECHO, ...MULTI])}\n    env: { ARGV_OUT: ${JSON.stringify(out('echo'))} }\n` +
      `  ${p}-py:\n    command: ${JSON.stringify(['python3', '-c', PY, out('py'), ...MULTI])}\n` +
      `  ${p}-sh:\n    command: ${JSON.stringify(['/bin/sh', '-c', SH, 'sh', out('sh')])}\n`;
  });
  after(async () => {
    await t.cleanup();
  });

  it('apply accepts them; ExecStart= is one line with \\n escapes', async () => {
    const r = await t.json<{ create: string[] }>(['apply', '-f', t.manifest(yaml)]);
    assert.deepEqual([...r.create].sort(), [`${p}-echo`, `${p}-py`, `${p}-sh`]);
    const unit = readFileSync(unitFile(`${p}-py`), 'utf8');
    const exec = unit.split('\n').filter((l) => l.startsWith('ExecStart='));
    assert.equal(exec.length, 1);
    assert.ok(exec[0]!.includes('"import json, sys\\nout = sys.argv[1]\\nwith open'), exec[0]);
  });

  it('each process receives every argument exactly', async () => {
    const echo = await waitFor('echo argv', () =>
      existsSync(out('echo')) ? (JSON.parse(readFileSync(out('echo'), 'utf8')) as string[]) : undefined,
    );
    assert.deepEqual(echo, MULTI);
    // python3 ran the script (so its line breaks and indentation arrived), and it got the same arguments.
    const py = await waitFor('python output', () => {
      const text = existsSync(out('py')) ? readFileSync(out('py'), 'utf8') : '';
      const lines = text.split('\n').filter(Boolean);
      return lines.length === MULTI.length ? lines.map((l) => JSON.parse(l) as string) : undefined;
    });
    assert.deepEqual(py, MULTI);
    const sh = await waitFor('sh output', () => {
      const text = existsSync(out('sh')) ? readFileSync(out('sh'), 'utf8') : '';
      return text.includes('second') ? text : undefined;
    });
    assert.equal(sh, 'first 100%\nsecond\n');
    const doc = await t.json<StatusDoc>(['status']);
    for (const s of doc.services) {
      assert.equal(s.state, 'running', s.name);
      assert.equal(s.drifted, false, s.name);
    }
  });

  it('a second apply finds nothing to change', async () => {
    const r = await t.json<{ create: string[]; update: string[]; remove: string[] }>([
      'apply',
      '-f',
      t.manifest(yaml),
    ]);
    assert.deepEqual([r.create, r.update, r.remove], [[], [], []]);
  });
});
