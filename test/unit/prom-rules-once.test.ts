/** Every exported Prometheus rule fires once per alerting condition (promtool test rules proves it). */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { main } from '../../agent/cli/main.js';
import type { Io } from '../../agent/cli/io.js';

const HAS_PROMTOOL = spawnSync('promtool', ['--version']).status === 0;
if (!HAS_PROMTOOL && process.env.CI)
  throw new Error('promtool is missing: .ci/run installs the Debian package "prometheus"');

const dir = mkdtempSync(path.join(tmpdir(), 'vigil-prom-once-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function io(): Io & { stdout: string; stderr: string } {
  const o = {
    stdout: '',
    stderr: '',
    out: (t: string) => void (o.stdout += t),
    err: (t: string) => void (o.stderr += t),
    stdin: process.stdin,
    env: { ...process.env, VIGIL_HOME: path.join(dir, 'vh') },
    cwd: dir,
  };
  return o;
}

const series = (name: string, labels: Record<string, string>, values: string) => ({
  series: `${name}{${Object.entries({ job: 'vigil', instance: 'box:9', ...labels })
    .map(([k, v]) => `${k}="${v}"`)
    .join(',')}}`,
  values,
});

describe('exported rules fire once per condition', () => {
  it(
    'VigilServiceCrashLooping: one alert per service when both the crashloop state and the restart rate say so',
    { skip: !HAS_PROMTOOL && 'promtool not installed' },
    async () => {
      const o = io();
      assert.equal(await main(['export', 'alerts'], o), 0, o.stderr);
      writeFileSync(path.join(dir, 'rules.yml'), o.stdout);
      const want = (service: string) => ({
        exp_labels: { severity: 'critical', service, job: 'vigil', instance: 'box:9' },
        exp_annotations: {
          summary: `${service} is crash-looping`,
          description: `${service} on box:9 keeps crashing and being restarted.`,
        },
      });
      const tests = {
        rule_files: ['rules.yml'],
        evaluation_interval: '15s',
        tests: [
          {
            interval: '15s',
            input_series: [
              // both sides true: state crashloop and > 3 restarts in 15 min
              series('vigil_service_state', { service: 'both', state: 'crashloop' }, '1x60'),
              series('vigil_service_state', { service: 'both', state: 'running' }, '0x60'),
              series('vigil_service_restarts_total', { service: 'both' }, '0+1x60'),
              // only the state
              series('vigil_service_state', { service: 'state', state: 'crashloop' }, '1x60'),
              series('vigil_service_restarts_total', { service: 'state' }, '0x60'),
              // only the restarts
              series('vigil_service_state', { service: 'rate', state: 'crashloop' }, '0x60'),
              series('vigil_service_restarts_total', { service: 'rate' }, '0+1x60'),
              // neither
              series('vigil_service_state', { service: 'calm', state: 'crashloop' }, '0x60'),
              series('vigil_service_restarts_total', { service: 'calm' }, '0x60'),
            ],
            // exp_alerts is the complete list: a second alert for "both" would fail the test.
            alert_rule_test: [
              {
                eval_time: '10m',
                alertname: 'VigilServiceCrashLooping',
                exp_alerts: [want('both'), want('rate'), want('state')],
              },
            ],
          },
        ],
      };
      writeFileSync(path.join(dir, 'tests.yml'), stringify(tests));
      const r = spawnSync('promtool', ['test', 'rules', path.join(dir, 'tests.yml')], { encoding: 'utf8' });
      assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    },
  );
});
