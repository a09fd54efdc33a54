/**
 * The host strip's facts: systeminformation on this very machine (compared with what node:os says), the
 * GET /api/host route through the real server and client, and the text `vigil status` prints.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SiHostFacts } from '../../agent/adapters/host/si-host-facts.js';
import { statfsSpace } from '../../agent/adapters/fs/disk-space.js';
import { systemClock } from '../../agent/adapters/clock/system-clock.js';
import { hostRoutes } from '../../agent/daemon/host-routes.js';
import { ApiClient } from '../../agent/api/client.js';
import { VigilError } from '../../agent/core/errors.js';
import { hostLine } from '../../agent/cli/format.js';
import { startFixture } from '../helpers/api-fixture.js';
import { STUDIO_HOST } from '../helpers/host-doc.js';

const home = mkdtempSync(path.join(os.tmpdir(), 'vigil-host-'));
after(() => rmSync(home, { recursive: true, force: true }));

const DOC = STUDIO_HOST;

describe('host facts', () => {
  it('reads this machine through systeminformation: cores, memory, load, disk of VIGIL_HOME, uptime', async () => {
    const facts = new SiHostFacts({ home, disk: statfsSpace, clock: systemClock });
    const doc = await facts.read();
    assert.equal(doc.cpu.cores, os.cpus().length);
    assert.ok(
      doc.cpu.percent !== null && doc.cpu.percent >= 0 && doc.cpu.percent <= 100,
      String(doc.cpu.percent),
    );
    assert.equal(doc.memory.totalBytes, os.totalmem());
    assert.ok(doc.memory.availableBytes > 0 && doc.memory.availableBytes <= doc.memory.totalBytes);
    assert.ok(doc.load !== null && doc.load.every((x) => x >= 0));
    const st = statfsSpace.space(home)!;
    assert.equal(doc.disk?.path, home);
    assert.ok(Math.abs(doc.disk!.totalBytes - st.totalBytes) === 0);
    assert.ok(Math.abs(doc.uptimeSec - os.uptime()) < 5, `${doc.uptimeSec} vs ${os.uptime()}`);
    assert.equal(doc.power, null, 'power source only on macOS');
    assert.equal(doc.hostname, os.hostname());
  });

  it('GET /api/host through the server; an agent without host facts answers E_UNAVAILABLE', async () => {
    const f = await startFixture({ handlers: hostRoutes({ read: async () => DOC }) });
    try {
      const got = await new ApiClient({ socketPath: f.socketPath }).call('host', {});
      assert.deepEqual(got, DOC);
    } finally {
      await f.close();
    }
    const none = await startFixture({ handlers: hostRoutes(undefined) });
    try {
      await assert.rejects(
        new ApiClient({ socketPath: none.socketPath }).call('host', {}),
        (err: unknown) => {
          assert.ok(err instanceof VigilError);
          assert.equal(err.code, 'E_UNAVAILABLE');
          return true;
        },
      );
    } finally {
      await none.close();
    }
  });

  it('vigil status prints one host line; power only where there is some', () => {
    assert.equal(
      hostLine(DOC),
      'Host studio: CPU 23% of 12 cores · memory 24.0G of 64.0G (37.5 %) · load 2.50 1.75 1.10 · disk 412.0G free of 994.0G (/Users/me/.vigil) · up 3d 4h · on battery 81 %',
    );
    assert.equal(
      hostLine({
        ...DOC,
        platform: 'linux',
        power: null,
        load: null,
        disk: null,
        cpu: { percent: null, cores: 2 },
      }),
      'Host studio: CPU — of 2 cores · memory 24.0G of 64.0G (37.5 %) · disk unknown · up 3d 4h',
    );
  });
});
