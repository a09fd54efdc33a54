/** The dashboard's replicated services: instance rows as one whole (2/3 running, degraded not down), and the headline. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { svc } from '../helpers/ui-fakes.js';
import { runningOf, wholes } from '../../renderer/src/store/groups.js';
import { overallOf } from '../../renderer/src/store/selectors.js';

const inst = (i: number, state: 'running' | 'crashloop' | 'stopped', health: 'healthy' | 'down') =>
  svc(`w@${i}`, { state, health, group: 'w', replica: i });

describe('replicated services in the dashboard', () => {
  test('instances become one whole at the place of the first, by index', () => {
    const rows = [
      svc('db'),
      inst(2, 'crashloop', 'down'),
      svc('api'),
      inst(1, 'running', 'healthy'),
      inst(3, 'running', 'healthy'),
    ];
    const w = wholes(rows);
    assert.deepEqual(
      w.map((x) => x.name),
      ['db', 'w', 'api'],
    );
    const g = w[1]!;
    assert.deepEqual(
      g.instances?.map((x) => x.name),
      ['w@1', 'w@2', 'w@3'],
    );
    assert.deepEqual([g.state, g.health, runningOf(g)], ['running', 'degraded', '2/3 running']);
  });

  test('one dead replica is not a service down in the headline; all dead is', () => {
    const some = [svc('db'), inst(1, 'running', 'healthy'), inst(2, 'crashloop', 'down')];
    const o = overallOf({
      services: Object.fromEntries(some.map((s) => [s.name, s])),
      order: some.map((s) => s.name),
    });
    assert.equal(o.tone, 'warn');
    assert.equal(o.detail, 'w');
    const all = [svc('db'), inst(1, 'crashloop', 'down'), inst(2, 'crashloop', 'down')];
    const bad = overallOf({
      services: Object.fromEntries(all.map((s) => [s.name, s])),
      order: all.map((s) => s.name),
    });
    assert.deepEqual([bad.tone, bad.label, bad.detail], ['bad', '1 of 2 down', 'w']);
  });
});
