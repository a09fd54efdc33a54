/** `vigil alerts [-n N] [--json]` (firing alerts and recent notifications) and `vigil alerts test`. */
import { EXIT_FAILED, EXIT_OK, VigilError } from '../../core/errors.js';
import type { AlertsResponse, NotificationRecord } from '../../api/routes/monitor.js';
import { agentClient } from '../remote.js';
import { int, JSON_FLAG, parse } from '../args.js';
import { printJson, type Io } from '../io.js';
import { table } from '../format.js';

const USAGE = 'vigil alerts [test] [-n N] [--json]';

export async function alertsCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, { lines: { type: 'string', short: 'n' }, ...JSON_FLAG }, USAGE);
  const sub = positionals[0];
  if (positionals.length > 1 || (sub !== undefined && sub !== 'test'))
    throw new VigilError('E_USAGE', `usage: ${USAGE}`);
  const client = await agentClient(io);
  if (!client)
    throw new VigilError(
      'E_AGENT_UNREACHABLE',
      'alerts are kept by the agent: start it with "vigil agent run" or "vigil agent install"',
    );
  if (sub === 'test') {
    const { notification } = await client.call('alertTest', {});
    if (values.json) printJson(io, { notification });
    else io.out(notification ? `${deliveryLines(notification)}\n` : 'No notification was recorded.\n');
    const sent = notification?.deliveries.some((d) => d.status === 'sent') ?? false;
    return notification && notification.deliveries.length > 0 && !sent ? EXIT_FAILED : EXIT_OK;
  }
  const limit = int(values.lines, '-n', 1) ?? 20;
  const doc = await client.call('alerts', {}, { limit });
  if (values.json) printJson(io, doc);
  else io.out(`${describe(doc)}\n`);
  return EXIT_OK;
}

function describe(doc: AlertsResponse): string {
  const parts: string[] = [];
  parts.push(
    `Channels: ${doc.channels.length ? doc.channels.join(', ') : 'none (configure alerts.webhooks or desktop in the manifest)'}${doc.quietNow ? ' — quiet hours now' : ''}`,
  );
  if (doc.firing.length === 0) parts.push('No alert is firing.');
  else
    parts.push(
      table([['SEVERITY', 'SINCE', 'ALERT'], ...doc.firing.map((a) => [a.severity, a.since, a.message])]),
    );
  if (doc.notifications.length > 0) {
    parts.push('', 'Recent notifications:');
    parts.push(
      table([
        ['AT', 'KIND', 'STATUS', 'TITLE'],
        ...doc.notifications.map((n) => [new Date(n.at).toISOString(), n.kind, n.status, n.title]),
      ]),
    );
  }
  return parts.join('\n');
}

function deliveryLines(n: NotificationRecord): string {
  if (n.deliveries.length === 0) return 'No channel is configured: nothing was sent.';
  return n.deliveries
    .map(
      (d) =>
        `${d.channel}: ${d.status}${d.attempts > 1 ? ` after ${d.attempts} attempts` : ''}${d.lastError && d.status !== 'sent' ? ` (${d.lastError})` : ''}${d.status === 'pending' ? '; retrying' : ''}`,
    )
    .join('\n');
}
