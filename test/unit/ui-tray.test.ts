/** The desktop shell's pure parts: tray icon/title/menu from the agent's state, notifications, navigation rules. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildTrayMenu,
  raiseStepUsd,
  summary,
  trayIcon,
  trayIconFile,
  trayTitle,
  trayTooltip,
  type MenuItemSpec,
  type TrayState,
} from '../../electron/tray-menu.js';
import { noticeFor } from '../../electron/notify.js';
import {
  autostartEntry,
  isAllowedNavigation,
  isExternalLink,
  WEB_PREFERENCES,
} from '../../electron/navigation.js';
import { vigilCommand } from '../../electron/vigil-cli.js';
import type { VigilEvent } from '../../renderer/src/store/types.js';

const glance = {
  day: '2026-11-26',
  todayUsd: 12.5,
  dailyUsd: 20,
  pct: 62.5,
  state: 'ok' as const,
  stopped: [] as string[],
};

function st(over: Partial<TrayState> = {}): TrayState {
  return {
    connection: 'connected',
    problem: null,
    services: [
      { name: 'proxy', state: 'running', health: 'healthy' },
      { name: 'core', state: 'running', health: 'unknown' },
    ],
    budget: glance,
    budgetLifted: false,
    startAtLogin: false,
    platform: 'darwin',
    ...over,
  };
}

const labels = (m: MenuItemSpec[]) => m.map((i) => (i.type === 'separator' ? '---' : i.label));

describe('tray', () => {
  test('icon: the worst of services, budget and connection', () => {
    assert.equal(trayIcon(st()), 'ok');
    assert.equal(
      trayIcon(st({ services: [{ name: 'a', state: 'running', health: 'degraded' }] })),
      'warning',
    );
    assert.equal(trayIcon(st({ services: [{ name: 'a', state: 'crashloop', health: 'down' }] })), 'down');
    assert.equal(trayIcon(st({ budget: { ...glance, state: 'warning' } })), 'warning');
    assert.equal(trayIcon(st({ budget: { ...glance, state: 'exceeded' } })), 'down');
    assert.equal(trayIcon(st({ connection: 'connecting' })), 'warning');
    assert.equal(trayIcon(st({ connection: 'no-agent' })), 'down');
    assert.equal(trayIconFile('ok', 'darwin'), 'tray-okTemplate.png', 'macOS template images, by name');
    assert.equal(trayIconFile('down', 'linux'), 'tray-down.png', 'colour on Linux');
  });

  test('macOS title is today’s spend; tooltip says it all', () => {
    assert.equal(trayTitle(st()), '$12.50');
    assert.equal(trayTitle(st({ budget: null })), '');
    assert.equal(trayTitle(st({ connection: 'no-agent' })), '');
    assert.equal(trayTitle(st({ budget: { ...glance, todayUsd: 123.4 } })), '$123');
    assert.equal(trayTooltip(st()), 'Vigil — All 2 running · $12.50 today of $20.00');
  });

  test('menu: each service with its state and Restart, Open Dashboard, budget, Start at Login, Quit', () => {
    const menu = buildTrayMenu(st());
    assert.deepEqual(labels(menu), [
      'All 2 running',
      '---',
      '● proxy — running, healthy',
      '● core — running',
      '---',
      'Spent $12.50 today of $20.00 (63 %)',
      "Raise today's cap +$5.00 (to $25.00)",
      'Pause budget enforcement for today',
      '---',
      'Open Dashboard',
      '---',
      'Start at Login',
      'Quit Vigil',
    ]);
    assert.deepEqual(
      menu[2]!.submenu!.map((i) => i.action),
      [
        { kind: 'restart', service: 'proxy' },
        { kind: 'open', route: '#/service/proxy' },
      ],
    );
    assert.equal(menu[0]!.enabled, false);
    const login = menu.find((i) => i.label === 'Start at Login')!;
    assert.deepEqual([login.type, login.checked], ['checkbox', false]);
    assert.equal(
      buildTrayMenu(st({ startAtLogin: true })).find((i) => i.label === 'Start at Login')!.checked,
      true,
    );
    assert.deepEqual(menu.at(-1)!.action, { kind: 'quit' });
  });

  test('raise step: covers the overspend plus a quarter of the cap, as 1, 2 or 5 × 10^k, at least $1', () => {
    assert.equal(raiseStepUsd(12.5, 20), 5);
    assert.equal(raiseStepUsd(0, 2), 1, 'at least $1');
    assert.equal(raiseStepUsd(3.4, 3), 2, '0.40 over + 0.75 = 1.15 → $2');
    assert.equal(raiseStepUsd(0, 30), 10, '7.50 → $10');
    assert.equal(raiseStepUsd(0, 4), 1, 'exactly $1');
    assert.equal(raiseStepUsd(80, 20), 100, '60 over + 5 = 65 → $100');
    assert.equal(raiseStepUsd(0, 400), 100);
    assert.equal(raiseStepUsd(0, 401), 200);
    // Whatever the spend, the raised cap is above it, so the resumed services are not stopped again at once.
    for (const [today, cap] of [
      [3.01, 3],
      [9.99, 2],
      [123.45, 100],
      [0.5, 0.5],
    ] as const)
      assert.ok(cap + raiseStepUsd(today, cap) > today, `${today} of ${cap}`);
  });

  test('menu: services stopped for spend can be resumed; lifted caps say so; down services are marked', () => {
    const stopped = buildTrayMenu(
      st({
        budget: { ...glance, state: 'exceeded', stopped: ['core'] },
        services: [{ name: 'core', state: 'stopped', health: 'unknown' }],
      }),
    );
    assert.ok(labels(stopped).includes('○ core — stopped'));
    assert.deepEqual(
      stopped.filter((i) => i.label?.startsWith('Resume')).map((i) => [i.label, i.action]),
      [
        ["Resume core (+$5.00: today's cap to $25.00)", { kind: 'raise-budget', addUsd: 5 }],
        ["Resume core (lift today's caps)", { kind: 'resume-budget' }],
      ],
    );
    assert.ok(!labels(stopped).includes('Pause budget enforcement for today'), 'resuming is the control');
    const lifted = buildTrayMenu(st({ budgetLifted: true }));
    assert.equal(lifted.find((i) => i.label === 'Budget enforcement paused until midnight')!.enabled, false);
    // The status glance carries the cap in effect and whether it is lifted: the tray shows the same.
    const fromGlance = buildTrayMenu(st({ budget: { ...glance, dailyUsd: 12.5, lifted: true } }));
    assert.equal(
      fromGlance.find((i) => i.label === 'Budget enforcement paused until midnight')!.enabled,
      false,
    );
    assert.ok(labels(fromGlance).some((l) => l?.includes(' of $12.50')));
    assert.ok(!labels(fromGlance).includes('Pause budget enforcement for today'));
    assert.ok(!labels(fromGlance).some((l) => l?.startsWith('Raise')), 'no cap to raise while lifted');
    const stoppedLifted = buildTrayMenu(
      st({ budget: { ...glance, state: 'exceeded', stopped: ['core'], lifted: true } }),
    );
    assert.deepEqual(
      labels(stoppedLifted).filter((l) => l?.startsWith('Resume')),
      ["Resume core (lift today's caps)"],
    );
    const noCap = buildTrayMenu(st({ budget: { ...glance, dailyUsd: null, pct: null } }));
    assert.deepEqual(
      labels(noCap).slice(5, 7),
      ['Spent $12.50 today', '---'],
      'no cap: nothing to raise or pause',
    );
    assert.ok(
      labels(buildTrayMenu(st({ budget: { ...glance, lifted: false } }))).includes(
        'Pause budget enforcement for today',
      ),
    );
    const down = buildTrayMenu(st({ services: [{ name: 'x', state: 'failed', health: 'down' }] }));
    assert.equal(down[0]!.label, '1 of 1 down');
    assert.equal(down[2]!.label, '✖ x — failed');
    assert.deepEqual(
      labels(buildTrayMenu(st({ budget: null }))).filter((l) => l?.startsWith('Spent')),
      [],
    );
  });

  test('menu without an agent offers to install it; the dashboard needs a connection', () => {
    const menu = buildTrayMenu(st({ connection: 'no-agent', services: [], budget: null }));
    assert.equal(summary(st({ connection: 'no-agent' })), 'The Vigil agent is not running');
    assert.deepEqual(menu[1]!.action, { kind: 'install-agent' });
    assert.equal(menu.find((i) => i.label === 'Open Dashboard')!.enabled, false);
    assert.equal(
      buildTrayMenu(st({ connection: 'error', problem: 'EACCES' }))[0]!.label,
      'Vigil agent: EACCES',
    );
  });
});

const ev = (over: Partial<VigilEvent>): VigilEvent => ({
  id: 1,
  key: 'k',
  at: 0,
  service: 'core',
  type: 'started',
  severity: 'info',
  message: 'm',
  ...over,
});

describe('notifications', () => {
  test('budget 80 % and 100 %, service down, crash loop, rotation result; a click opens the view', () => {
    assert.deepEqual(noticeFor(ev({ type: 'budget-threshold', service: null, data: { threshold: 80 } })), {
      title: 'Budget 80 % reached',
      body: 'm',
      route: '#/usage',
      urgency: 'normal',
    });
    assert.equal(noticeFor(ev({ type: 'budget-threshold', data: { threshold: 100 } }))!.urgency, 'critical');
    assert.deepEqual(noticeFor(ev({ type: 'health-down' }))!.route, '#/service/core');
    assert.equal(noticeFor(ev({ type: 'crashloop' }))!.title, 'core is crash-looping');
    assert.equal(noticeFor(ev({ type: 'budget-stopped' }))!.route, '#/usage');
    assert.equal(
      noticeFor(ev({ type: 'credential-rotation', data: { phase: 'succeeded' } }))!.title,
      'Credential rotated',
    );
    assert.equal(
      noticeFor(ev({ type: 'credential-rotation', data: { phase: 'rolled-back' } }))!.title,
      'Rotation rolled back',
    );
    assert.equal(
      noticeFor(ev({ type: 'credential-rotation', data: { phase: 'restarting' } })),
      null,
      'no notice for each step',
    );
    assert.equal(noticeFor(ev({ type: 'started' })), null);
  });
});

describe('window hardening', () => {
  test('navigation stays on the agent origin; only http(s) opens outside', () => {
    const o = 'http://127.0.0.1:7878';
    assert.equal(isAllowedNavigation('http://127.0.0.1:7878/#/usage', o), true);
    assert.equal(isAllowedNavigation('http://127.0.0.1:7879/', o), false);
    assert.equal(isAllowedNavigation('http://localhost:7878/', o), false);
    assert.equal(isAllowedNavigation('file:///etc/passwd', o), false);
    assert.equal(isAllowedNavigation('javascript:alert(1)', o), false);
    assert.equal(isExternalLink('https://docs.example/x'), true);
    assert.equal(isExternalLink('file:///x'), false);
    assert.equal(isExternalLink('smb://host/share'), false);
    assert.deepEqual(
      [
        WEB_PREFERENCES.contextIsolation,
        WEB_PREFERENCES.sandbox,
        WEB_PREFERENCES.nodeIntegration,
        WEB_PREFERENCES.webviewTag,
      ],
      [true, true, false, false],
    );
  });

  test('Linux autostart entry quotes the command', () => {
    const e = autostartEntry(['/opt/Vigil/vigil', '/home/me/my app/main.js']);
    assert.match(e, /^\[Desktop Entry\]\n/);
    assert.match(e, /\nExec=\/opt\/Vigil\/vigil "\/home\/me\/my app\/main.js"\n/);
  });

  test('the CLI runs on Node in a checkout, on the app’s Electron in node mode when packaged', () => {
    const dev = vigilCommand(['agent', 'install'], {
      packaged: false,
      execPath: '/e',
      env: {},
      binPath: '/repo/bin/vigil.js',
    });
    assert.deepEqual([dev.file, dev.args], ['node', ['/repo/bin/vigil.js', 'agent', 'install']]);
    const app = vigilCommand(['open'], {
      packaged: true,
      execPath: '/opt/Vigil/vigil',
      env: {},
      binPath: '/opt/Vigil/resources/app.asar/bin/vigil.js',
    });
    assert.deepEqual(
      [app.file, app.args[0], app.env.ELECTRON_RUN_AS_NODE],
      ['/opt/Vigil/vigil', '/opt/Vigil/resources/app.asar.unpacked/bin/vigil.js', '1'],
    );
  });
});
