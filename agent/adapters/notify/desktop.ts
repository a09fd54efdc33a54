/**
 * Desktop notifications: `notify-send` on Linux (libnotify; needs a session bus), `osascript` on macOS.
 * Through the ProcessRunner; the text goes as separate argv entries, never through a shell or into an
 * AppleScript string (osascript reads it with `on run argv`).
 */
import type { Notification } from '../../core/alerts/model.js';
import type { Severity } from '../../core/events.js';
import { ProcessError, type ProcessRunner } from '../../ports/process-runner.js';
import { DeliveryError, type Notifier } from '../../ports/notifier.js';

const URGENCY: Readonly<Record<Severity, string>> = { info: 'low', warning: 'normal', critical: 'critical' };
const APPLESCRIPT = [
  '-e',
  'on run argv',
  '-e',
  'display notification (item 2 of argv) with title "Vigil" subtitle (item 1 of argv)',
  '-e',
  'end run',
];

export class DesktopNotifier implements Notifier {
  readonly channel = 'desktop';

  constructor(
    private readonly runner: ProcessRunner,
    private readonly platform: NodeJS.Platform = process.platform,
    readonly minSeverity: Severity = 'info',
    private readonly env?: NodeJS.ProcessEnv,
  ) {}

  /** The argv that shows `n` on this platform. */
  command(n: Notification): { command: string; args: string[] } {
    const body = n.text.length > 1000 ? `${n.text.slice(0, 1000)}…` : n.text;
    if (this.platform === 'darwin') return { command: 'osascript', args: [...APPLESCRIPT, n.title, body] };
    return {
      command: 'notify-send',
      args: ['--app-name=Vigil', `--urgency=${URGENCY[n.severity]}`, '--', n.title, body],
    };
  }

  async send(n: Notification): Promise<void> {
    const { command, args } = this.command(n);
    try {
      await this.runner.run(command, args, { timeoutMs: 10_000, ...(this.env ? { env: this.env } : {}) });
    } catch (err) {
      const notFound =
        (err as NodeJS.ErrnoException).code === 'ENOENT' || /ENOENT/.test((err as Error).message);
      if (notFound) throw new DeliveryError(`${command} is not installed`, false);
      const why = err instanceof ProcessError ? err.message : (err as Error).message;
      throw new DeliveryError(`${command} failed: ${why}`, true);
    }
  }
}

/** Whether a desktop session is likely there: macOS always; Linux with a display and a session bus. */
export function desktopAvailable(
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform = process.platform,
): boolean {
  if (platform === 'darwin') return true;
  return Boolean((env.DISPLAY || env.WAYLAND_DISPLAY) && env.DBUS_SESSION_BUS_ADDRESS);
}
