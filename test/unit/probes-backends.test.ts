/**
 * The probe keys on both backends: the agent runs the probes, so systemd units and LaunchAgent plists
 * render the same with any probe (and without one): a probe change never rewrites or restarts a unit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderUnit } from '../../agent/adapters/systemd/unit-render.js';
import { renderPlist } from '../../agent/adapters/launchd/plist-render.js';
import { vigilPaths } from '../../agent/core/paths.js';
import { parse, yaml } from '../helpers/manifest.js';

const manifest = (...health: string[]) =>
  parse(yaml('services:', '  redis:', '    command: [redis-server, --port, 6390]', ...health)).manifest
    .services[0]!;

test('tcp, exec and http probes with restartAfterFailures render on systemd and launchd like no probe at all', () => {
  const plain = manifest();
  const probed = [
    manifest('    health: { tcp: "127.0.0.1:6390", restartAfterFailures: 3 }'),
    manifest('    health: { exec: [redis-cli, -p, 6390, ping], timeoutSec: 1 }'),
    manifest('    health: { url: "http://127.0.0.1:6390/health", restartAfterFailures: 1 }'),
  ];
  assert.deepEqual(
    probed.map((s) => s.health?.probe.kind),
    ['tcp', 'exec', 'http'],
  );
  const unitCtx = { paths: vigilPaths({ HOME: '/home/ada' }), launcher: '/opt/vigil/bin/vigil-launch' };
  const plistCtx = {
    paths: vigilPaths({ HOME: '/Users/ada' }),
    agentDir: '/Users/ada/Library/LaunchAgents',
    launcher: '/opt/vigil/bin/vigil-launch',
  };
  const unit = renderUnit(plain, unitCtx);
  const plist = renderPlist(plain, plistCtx);
  for (const s of probed) {
    const u = renderUnit(s, unitCtx);
    const p = renderPlist(s, plistCtx);
    assert.equal(u.content, unit.content, `${s.health?.probe.kind}: systemd unit`);
    assert.equal(u.hash, unit.hash);
    assert.equal(p.content, plist.content, `${s.health?.probe.kind}: plist`);
    assert.equal(p.hash, plist.hash);
  }
});
