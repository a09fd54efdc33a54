/** The dashboard's replicated services: instance rows as one whole (2/3 running, degraded not down), and the headline. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { svc } from '../helpers/ui-fakes.js';
import { runningOf, wholes } from '../../renderer/src/store/groups.js';
import { overallOf } from '../../renderer/src/store/selectors.js';
import { groupStatuses } from '../../agent/core/replicas-status.js';
import type { ServiceStatus } from '../../renderer/src/store/types.js';

/** The agent's groups for these rows, as the status document carries them. */
const groupsOf = (rows: readonly ServiceStatus[]) =>
  Object.fromEntries(groupStatuses(rows as never).map((g) => [g.name, g]));
const input = (rows: readonly ServiceStatus[]) => ({
  services: Object.fromEntries(rows.map((s) => [s.name, s])),
  order: rows.map((s) => s.name),
  groups: groupsOf(rows),
});

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
    const w = wholes(rows, groupsOf(rows));
    assert.deepEqual(
      w.map((x) => x.name),
      ['db', 'w', 'api'],
    );
    const g = w[1]!;
    assert.deepEqual(
      g.instances?.map((x) => x.name),
      ['w@1', 'w@2', 'w@3'],
    );
    assert.deepEqual(
      [g.group?.state, g.group?.health, runningOf(g.group!)],
      ['running', 'degraded', '2/3 running'],
    );
  });

  test('one dead replica is not a service down in the headline; all dead is', () => {
    const some = [svc('db'), inst(1, 'running', 'healthy'), inst(2, 'crashloop', 'down')];
    const o = overallOf(input(some));
    assert.equal(o.tone, 'warn');
    assert.equal(o.detail, 'w');
    const all = [svc('db'), inst(1, 'crashloop', 'down'), inst(2, 'crashloop', 'down')];
    const bad = overallOf(input(all));
    assert.deepEqual([bad.tone, bad.label, bad.detail], ['bad', '1 of 2 down', 'w']);
  });
});

describe('the page shows the agent’s judgement of a group', () => {
  test('a group is drawn with the state and health the agent sent, not re-ranked from its rows', () => {
    const rows = [inst(1, 'running', 'healthy'), inst(2, 'running', 'healthy')];
    const agentSays = { ...groupsOf(rows).w!, health: 'down' as const, state: 'failed' as const };
    const w = wholes(rows, { w: agentSays });
    assert.deepEqual([w[0]?.group?.state, w[0]?.group?.health], ['failed', 'down']);
    const o = overallOf({ ...input(rows), groups: { w: agentSays } });
    assert.equal(o.tone, 'bad');
  });

  test('rows whose group the document did not carry stay plain rows', () => {
    const rows = [inst(1, 'running', 'healthy')];
    assert.deepEqual(
      wholes(rows, {}).map((x) => [x.name, x.group]),
      [['w@1', undefined]],
    );
  });
});
