/**
 * The launchctl command layer: every call goes through the ProcessRunner, sequencing and retries live
 * here, and launchd's error numbers become messages a person can act on.
 *
 * Facts it relies on (../shared/research/platform-facts.md §1.2–§1.4, with their public sources):
 * - Domain `gui/<uid>` exists only with a GUI login; over SSH it answers 125 ("Domain does not support
 *   specified action") or 112, and Vigil falls back to `user/<uid>` (as Homebrew does).
 * - `bootout` is asynchronous: the job is SIGTERMed and stays registered (`state = SIGTERMed`) until it
 *   exits; a `bootout` meanwhile answers 36 (EINPROGRESS). A `bootstrap` in that window, and for ~5 s
 *   after, fails with 5 (EIO; 37 EALREADY as root). So stop = bootout, then poll `print` until 113, and
 *   bootstrap retries while 5/37.
 * - Not loaded: bootout 3 (ESRCH), print/kickstart 113. Disabled: bootstrap 119 (root) or 5.
 */
import { VigilError } from '../../core/errors.js';
import type { Clock } from '../../ports/clock.js';
import { ProcessError, type ProcessRunner, type RunResult } from '../../ports/process-runner.js';
import { AGENT_LABEL } from './labels.js';
import {
  launchdErrorNumber,
  parseList,
  parsePrint,
  type ListRow,
  type PrintInfo,
} from './launchctl-parse.js';

export const LAUNCHCTL = '/bin/launchctl';

/** launchd's numbers (BSD errno values and launchd's own). */
export const LAUNCHD = {
  ESRCH: 3,
  EIO: 5,
  EINPROGRESS: 36,
  EALREADY: 37,
  DOMAIN_NOT_FOUND: 112,
  NOT_FOUND: 113,
  DISABLED: 119,
  NOT_SUPPORTED: 125,
} as const;

export interface LaunchctlOptions {
  runner: ProcessRunner;
  clock: Clock;
  env: NodeJS.ProcessEnv;
  uid: number;
  /** Forces the domain (VIGIL_LAUNCHD_DOMAIN=gui/501 or user/501). */
  domain?: string;
  /** How long stop waits for the job to leave the domain (ExitTimeOut plus margin). */
  stopTimeoutMs?: number;
  /** How long bootstrap retries 5/37 right after a bootout; otherwise a short grace. */
  bootstrapRetryMs?: number;
}

/** Bootstrap right after a bootout can answer 5 for ~5 s (measured on macOS 26.5, headroom#1289). */
const BOOTSTRAP_RETRY_MS = 15_000;
const BOOTSTRAP_GRACE_MS = 2_000;
const RETRY_EVERY_MS = 500;
const RECENT_BOOTOUT_MS = 30_000;

export class Launchctl {
  private readonly o: LaunchctlOptions;
  private domainP: Promise<string> | null = null;
  private readonly bootedOut = new Map<string, number>();

  constructor(options: LaunchctlOptions) {
    this.o = options;
    if (options.domain) this.domainP = Promise.resolve(options.domain);
  }

  /** gui/<uid> when this user has a GUI login session, else user/<uid>. Asked once. */
  domain(): Promise<string> {
    this.domainP ??= this.detectDomain();
    this.domainP.catch(() => (this.domainP = null));
    return this.domainP;
  }

  async target(label: string): Promise<string> {
    return `${await this.domain()}/${label}`;
  }

  /** `launchctl print <domain>/<label>`: null when launchd does not know the label (113). */
  async print(label: string): Promise<PrintInfo | null> {
    const r = await this.call(['print', await this.target(label)], [LAUNCHD.NOT_FOUND]);
    return r.exitCode === LAUNCHD.NOT_FOUND ? null : parsePrint(r.stdout);
  }

  /** One `launchctl list`: the jobs of the caller's domain with pid and last exit status. */
  async list(): Promise<Map<string, ListRow>> {
    return parseList((await this.call(['list'])).stdout);
  }

  async enable(label: string): Promise<void> {
    await this.call(['enable', await this.target(label)]);
  }

  /** Marks the label disabled in the domain (persistent: launchd will not load it at the next login). */
  async disable(label: string): Promise<void> {
    await this.call(['disable', await this.target(label)]);
  }

  async kickstart(label: string, kill: boolean): Promise<void> {
    await this.call(['kickstart', ...(kill ? ['-k'] : []), await this.target(label)]);
  }

  /** Loads the plist into the domain (RunAtLoad then starts it), retrying while launchd is still unloading it. */
  async bootstrap(label: string, plistPath: string): Promise<void> {
    const domain = await this.domain();
    const recent = this.o.clock.now() - (this.bootedOut.get(label) ?? -Infinity) < RECENT_BOOTOUT_MS;
    const deadline =
      this.o.clock.now() + (recent ? (this.o.bootstrapRetryMs ?? BOOTSTRAP_RETRY_MS) : BOOTSTRAP_GRACE_MS);
    for (;;) {
      const r = await this.call(['bootstrap', domain, plistPath], [LAUNCHD.EIO, LAUNCHD.EALREADY]);
      if (r.exitCode === 0) return;
      // 5/37 also mean "already loaded": fine, unless it is the old instance still going away.
      const now = await this.print(label);
      if (now && now.state !== 'SIGTERMed') return;
      if (this.o.clock.now() >= deadline) {
        throw launchctlError(['bootstrap', domain, plistPath], r, { label, plistPath });
      }
      await this.o.clock.sleep(RETRY_EVERY_MS);
    }
  }

  /**
   * Stops the job and removes it from the domain; resolves once launchd no longer knows it.
   * Returns false when it was not loaded at all.
   */
  async bootout(label: string, exitTimeOutSec?: number): Promise<boolean> {
    const target = await this.target(label);
    // The job's own ExitTimeOut (the manifest's stopTimeoutSec + margin), plus time for launchd to let go.
    const waitMs = exitTimeOutSec === undefined ? 0 : (exitTimeOutSec + 15) * 1000;
    const deadline = this.o.clock.now() + Math.max(this.o.stopTimeoutMs ?? 45_000, waitMs);
    let wasLoaded = false;
    for (;;) {
      const r = await this.call(
        ['bootout', target],
        [LAUNCHD.ESRCH, LAUNCHD.NOT_FOUND, LAUNCHD.EINPROGRESS],
        Math.max(90_000, waitMs),
      );
      if (r.exitCode === LAUNCHD.ESRCH || r.exitCode === LAUNCHD.NOT_FOUND) break;
      wasLoaded = true;
      if (r.exitCode === 0) {
        while ((await this.print(label)) !== null) {
          if (this.o.clock.now() >= deadline) throw stuck(label, target);
          await this.o.clock.sleep(RETRY_EVERY_MS / 2);
        }
        break;
      }
      // 36: a stop is already under way; ask again until it answers "not loaded".
      if (this.o.clock.now() >= deadline) throw stuck(label, target);
      await this.o.clock.sleep(RETRY_EVERY_MS * 2);
    }
    this.bootedOut.set(label, this.o.clock.now());
    return wasLoaded;
  }

  private async detectDomain(): Promise<string> {
    const gui = `gui/${this.o.uid}`;
    const r = await this.call(['print', `${gui}/${AGENT_LABEL}`], null);
    return r.exitCode === 0 || r.exitCode === LAUNCHD.NOT_FOUND ? gui : `user/${this.o.uid}`;
  }

  /** Runs launchctl; exit 0 and `tolerate` resolve, anything else is a mapped VigilError (null: everything resolves). */
  private async call(
    args: string[],
    tolerate: readonly number[] | null = [],
    timeoutMs = 30_000,
  ): Promise<RunResult> {
    try {
      const r = await this.o.runner.run(LAUNCHCTL, args, {
        env: this.o.env,
        okCodes: tolerate === null ? range256() : [0, ...tolerate],
        timeoutMs,
      });
      return r;
    } catch (err) {
      if (err instanceof ProcessError) throw launchctlError(args, err.result);
      const msg = err instanceof Error ? err.message : String(err);
      throw new VigilError(
        'E_SERVICE_MANAGER',
        `cannot run launchctl (${msg}); the launchd backend works on macOS only (VIGIL_BACKEND=systemd on Linux)`,
        { cause: err },
      );
    }
  }
}

let all: number[] | null = null;
function range256(): number[] {
  all ??= Array.from({ length: 256 }, (_, i) => i);
  return all;
}

function stuck(label: string, target: string): VigilError {
  return new VigilError(
    'E_SERVICE_MANAGER',
    `${label} did not stop: launchd still lists ${target}. Its process may ignore SIGTERM; check \`launchctl print ${target}\` and the service's log.`,
  );
}

/** What launchd's numbers mean for the person reading the error. */
export function launchctlError(
  args: readonly string[],
  r: RunResult,
  ctx: { label?: string; plistPath?: string } = {},
): VigilError {
  const shown = `launchctl ${args.join(' ')}`;
  const said = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-3).join(' | ');
  const code = r.exitCode ?? launchdErrorNumber(r.stderr);
  const last = args[args.length - 1] ?? '';
  // The label: from the plist's file name (bootstrap) or the service target "<domain>/<label>".
  const what =
    ctx.label ??
    (last.endsWith('.plist')
      ? last.split('/').pop()!.slice(0, -6)
      : /^(?:gui|user)\/\d+\//.test(last)
        ? last.split('/').slice(2).join('/')
        : last);
  const domain = args.map((a) => /^(?:gui|user)\/\d+/.exec(a)?.[0]).find(Boolean) ?? 'gui/$(id -u)';
  const details = { command: shown, exitCode: r.exitCode, launchdError: code, stderr: r.stderr };
  let why: string;
  switch (code) {
    case LAUNCHD.DISABLED:
      why = `${what} is disabled in launchd (the disabled flag survives reboots and plist deletion). Fix: launchctl enable ${domain}/${what}`;
      break;
    case LAUNCHD.NOT_FOUND:
      why = `launchd does not know ${what} (not loaded). Fix: vigil start, or vigil apply to install it`;
      break;
    case LAUNCHD.NOT_SUPPORTED:
    case LAUNCHD.DOMAIN_NOT_FOUND:
      why = `this user has no GUI login session, so the gui/ domain is not available (over SSH, or before anyone logged in at the Mac). Fix: log in at the Mac once, or set VIGIL_LAUNCHD_DOMAIN=user/$(id -u)`;
      break;
    case LAUNCHD.EIO:
      why = `launchd refused ${ctx.plistPath ?? (last.endsWith('.plist') ? last : what)} (5: Input/output error). Usual causes: it is still being unloaded (retry in a few seconds), it is already loaded, it was disabled (launchctl enable), the plist is not owned by you or is writable by others, or it is invalid (plutil -lint). launchd says more in: log show --last 5m --predicate 'process == "launchd"'`;
      break;
    case LAUNCHD.EINPROGRESS:
    case LAUNCHD.EALREADY:
      why = `launchd is still busy with ${what} (operation in progress); retry in a few seconds`;
      break;
    case LAUNCHD.ESRCH:
      why = `${what} is not loaded (no such process)`;
      break;
    case 1:
      why = `operation not permitted on ${what}`;
      break;
    default:
      why = r.timedOut ? 'timed out' : r.signal ? `killed by ${r.signal}` : `failed (exit ${r.exitCode})`;
  }
  return new VigilError('E_SERVICE_MANAGER', `${shown}: ${why}${said ? ` [launchctl: ${said}]` : ''}`, {
    details,
  });
}
