/** The dashboard's host strip (store slice and facts), and costs that say "unpriced" rather than $0.00. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeFetch, errorResponse, makeStore } from '../helpers/ui-fakes.js';
import { hostFacts } from '../../renderer/src/host-format.js';
import { cost, uptimeText } from '../../renderer/src/format.js';
import { STUDIO_HOST } from '../helpers/host-doc.js';

const HOST = STUDIO_HOST;

describe('host strip', () => {
  test('loads GET /api/host into the store; an agent without the route leaves the strip out', async () => {
    const f = new FakeFetch().on('GET /api/host', HOST);
    const { store } = makeStore(f);
    await store.getState().loadHost();
    assert.deepEqual(store.getState().host, HOST);
    assert.equal(store.getState().hostState.kind, 'ready');
    const old = makeStore(
      new FakeFetch().on('GET /api/host', () => errorResponse(404, 'E_NOT_FOUND', 'no such route')),
    );
    await old.store.getState().loadHost();
    assert.equal(old.store.getState().hostState.kind, 'unavailable');
    assert.equal(old.store.getState().host, null);
  });

  test('facts: CPU, memory used of total, load, free disk, uptime, and power only when known', () => {
    assert.deepEqual(
      hostFacts(HOST).map((f) => [f.label, f.value]),
      [
        ['CPU', '23%'],
        ['Memory', '24.0 GB of 64.0 GB'],
        ['Load', '2.50 1.75 1.10'],
        ['Disk free', '412 GB'],
        ['Up', '3d 4h'],
        ['Power', 'Battery 81 %'],
      ],
    );
    const linux = hostFacts({
      ...HOST,
      power: null,
      load: null,
      disk: null,
      cpu: { percent: null, cores: 2 },
    });
    assert.deepEqual(
      linux.map((f) => [f.id, f.value]),
      [
        ['cpu', '—'],
        ['memory', '24.0 GB of 64.0 GB'],
        ['disk', '—'],
        ['uptime', '3d 4h'],
      ],
    );
    assert.equal(uptimeText(59), '59s');
    assert.equal(uptimeText(3723), '1h 2m');
    assert.equal(uptimeText(7 * 60 + 3), '7m');
  });
});

test('a cost with only unpriced requests says "unpriced"; a priced free one is $0.00', () => {
  assert.equal(cost(0, 3), 'unpriced');
  assert.equal(cost(0, 0), '$0.00');
  assert.equal(cost(2_000_000, 3), '$2.00', 'partly priced: the priced part');
});
