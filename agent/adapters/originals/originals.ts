/** OriginalServices through systemctl --user and launchctl, run by the one ProcessRunner. */
import type { Original } from '../../core/import/model.js';
import type { OriginalServices } from '../../ports/original-services.js';
import type { ProcessRunner } from '../../ports/process-runner.js';

export class CommandOriginalServices implements OriginalServices {
  constructor(
    private readonly runner: ProcessRunner,
    /** launchd's domain for this user, e.g. gui/501. */
    private readonly launchdDomain: () => Promise<string>,
  ) {}

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
    const domain = await this.launchdDomain();
    // 3: "No such process" — not loaded: nothing to unload.
    await this.runner.run('launchctl', ['bootout', `${domain}/${o.label}`], { okCodes: [0, 3, 113] });
  }

  async reload(o: Original): Promise<void> {
    if (o.kind === 'systemd') {
      await this.runner.run('systemctl', ['--user', 'enable', '--now', o.unit]);
      return;
    }
    const domain = await this.launchdDomain();
    await this.runner.run('launchctl', ['bootstrap', domain, o.path]);
  }
}
