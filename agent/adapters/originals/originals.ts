/**
 * OriginalServices through systemctl --user and launchctl, run by the one ProcessRunner. The launchd side
 * goes through the backend's Launchctl (agent/adapters/launchd/launchctl.ts), so it behaves as launchd
 * does: bootout is asynchronous (waited for until the job is gone), a bootstrap right after it answers 5
 * (retried), "already loaded" is not an error, and the domain is gui/<uid> or, without a GUI login,
 * user/<uid>. Unload also disables the label, as `systemctl disable` does: a LaunchAgent left in
 * ~/Library/LaunchAgents would otherwise be loaded again at the next login, beside Vigil's copy.
 */
import type { Original } from '../../core/import/model.js';
import type { OriginalServices } from '../../ports/original-services.js';
import type { ProcessRunner } from '../../ports/process-runner.js';

/** What the launchd side needs of Launchctl (created only when a LaunchAgent is replaced or restored). */
export interface LaunchdJobs {
  bootout(label: string): Promise<boolean>;
  disable(label: string): Promise<void>;
  enable(label: string): Promise<void>;
  bootstrap(label: string, plistPath: string): Promise<void>;
}

export class CommandOriginalServices implements OriginalServices {
  private jobs: Promise<LaunchdJobs> | null = null;

  constructor(
    private readonly runner: ProcessRunner,
    /** The launchd side, made on first use (one instance: bootstrap knows what it just booted out). */
    private readonly launchd: () => Promise<LaunchdJobs>,
  ) {}

  private launchctl(): Promise<LaunchdJobs> {
    this.jobs ??= this.launchd();
    return this.jobs;
  }

  async loadedFrom(o: Original): Promise<string | null> {
    if (o.kind === 'launchd') return o.path;
    const r = await this.runner.run('systemctl', [
      '--user',
      'show',
      '--property=FragmentPath',
      '--value',
      '--',
      o.unit,
    ]);
    return r.stdout.trim() || null;
  }

  async unload(o: Original): Promise<void> {
    if (o.kind === 'systemd') {
      await this.runner.run('systemctl', ['--user', 'disable', '--now', o.unit]);
      return;
    }
    const lc = await this.launchctl();
    // Not loaded (3 / 113) is fine: nothing to stop. Disabled either way, so the next login leaves it off.
    await lc.bootout(o.label);
    await lc.disable(o.label);
  }

  async reload(o: Original): Promise<void> {
    if (o.kind === 'systemd') {
      await this.runner.run('systemctl', ['--user', 'enable', '--now', o.unit]);
      return;
    }
    const lc = await this.launchctl();
    await lc.enable(o.label);
    await lc.bootstrap(o.label, o.path);
  }
}
