/**
 * OTLP usage in (one AgentModule): while the manifest has `otlp:` (saved by `vigil apply` with the usage
 * settings), a loopback OTLP/HTTP listener takes metrics and logs and stores their token usage in the usage
 * ledger (app/usage/otlp-ingest.ts). Without `otlp:` nothing of it is loaded — not protobufjs, not the
 * listener: the listener and its use case come in with `await import()` the first time the setting is seen
 * (docs/architecture.md, the lazy-loading rule). A changed `otlp.listen` or `tokenFile` restarts the
 * listener at the next tick; a removed `otlp:` closes it.
 */
import { readFileSync } from 'node:fs';
import type { OtlpSpec } from '../core/manifest/otlp-part.js';
import type { AgentModule, AgentRuntime } from './module.js';
import { calendarFor, loadUsageSettings, timeZoneOf } from '../app/usage/settings.js';
import type { UsageModule } from './usage-module.js';
import type { OtlpServer } from '../api/otlp-server.js';
import type { OtlpIngester } from '../app/usage/otlp-ingest.js';
import type { PriceCatalog } from '../ports/price-catalog.js';

const same = (a: OtlpSpec, b: OtlpSpec) =>
  a.host === b.host && a.port === b.port && a.tokenFile === b.tokenFile;

/** The token a file holds (its first line, trimmed); refused when it is empty or short. */
function readToken(file: string): string {
  const token = readFileSync(file, 'utf8').split('\n')[0]!.trim();
  if (token.length < 16) throw new Error(`otlp.tokenFile ${file}: the token must be at least 16 characters`);
  return token;
}

export class OtlpModule implements AgentModule {
  readonly name = 'otlp';
  private server: OtlpServer | null = null;
  private running: OtlpSpec | null = null;
  private ingester: OtlpIngester | null = null;
  private failedFor: string | null = null;
  private busy: Promise<void> = Promise.resolve();

  constructor(
    private readonly s: AgentRuntime,
    private readonly usage: UsageModule,
    private readonly catalog: PriceCatalog,
  ) {
    usage.addSources(() => this.ingester?.sources() ?? []);
  }

  /** Where the listener is (tests and the log), or null when it is off. */
  address(): { host: string; port: number } | null {
    return this.server?.address() ?? null;
  }

  start(): Promise<void> {
    return this.sync();
  }

  afterTick(): Promise<void> {
    return this.sync();
  }

  private sync(): Promise<void> {
    this.busy = this.busy
      .then(() => this.apply())
      .catch((err: unknown) => {
        this.s.logger.error({ err: (err as Error).message }, 'OTLP listener failed');
      });
    return this.busy;
  }

  private async apply(): Promise<void> {
    const want = loadUsageSettings(this.s.store).otlp ?? null;
    if (this.running !== null && (want === null || !same(want, this.running))) {
      await this.server?.close();
      this.server = null;
      this.running = null;
    }
    if (want === null || this.running !== null) return;
    const id = JSON.stringify(want);
    try {
      await this.listen(want);
      this.failedFor = null;
    } catch (err) {
      // Said once per setting (every tick would flood the log); tried again each tick.
      if (this.failedFor !== id) {
        this.failedFor = id;
        throw err;
      }
    }
  }

  private async listen(spec: OtlpSpec): Promise<void> {
    const [{ startOtlpServer }, { OtlpDecoder }, { OtlpIngester }] = await Promise.all([
      import('../api/otlp-server.js'),
      import('../adapters/otlp/decode.js'),
      import('../app/usage/otlp-ingest.js'),
    ]);
    await this.catalog.ready();
    const { store, clock } = this.s;
    this.ingester ??= new OtlpIngester({
      store,
      ledger: this.usage.ledger,
      quote: (model, provider, at) => this.catalog.quote(model, provider, at),
      clock,
      context: () => {
        const settings = loadUsageSettings(store);
        return { pricing: settings.pricing ?? undefined, calendar: calendarFor(timeZoneOf(settings)) };
      },
      spec: () => loadUsageSettings(store).otlp ?? spec,
      onNotice: (service, message) => this.s.logger.warn({ service }, message),
    });
    const ingester = this.ingester;
    const answer = (r: ReturnType<OtlpIngester['metrics']>, what: 'metrics' | 'logs') => {
      this.usage.stored(r.stored);
      const rejected = Object.values(r.rejected).reduce((a, b) => a + b, 0);
      const reasons = Object.entries(r.rejected).map(([why, n]) => `${n} × ${why}`);
      if (what === 'metrics' && r.accepted === 0 && rejected === 0 && r.unknownMetrics.length > 0)
        return {
          rejected: 0,
          message: null,
          refuse: `no usage metric in this request (unknown: ${r.unknownMetrics.slice(0, 10).join(', ')}); Vigil takes gen_ai.client.token.usage, claude_code.token.usage / cost.usage, openclaw.tokens / cost.usd and gen_ai.usage.prompt_tokens / completion_tokens`,
        };
      const notes = [
        ...reasons,
        ...(r.unknownMetrics.length > 0
          ? [`not usage, ignored: ${r.unknownMetrics.slice(0, 10).join(', ')}`]
          : []),
      ];
      return { rejected, message: notes.length > 0 ? notes.join('; ') : null };
    };
    this.server = await startOtlpServer({
      host: spec.host,
      port: spec.port,
      token: spec.tokenFile === null ? null : readToken(spec.tokenFile),
      decoder: new OtlpDecoder(),
      handlers: {
        metrics: (req) => answer(ingester.metrics(req), 'metrics'),
        logs: (req) => answer(ingester.logs(req), 'logs'),
      },
      logger: this.s.logger,
    });
    this.running = spec;
  }

  async stop(): Promise<void> {
    await this.busy;
    await this.server?.close();
    this.server = null;
    this.running = null;
  }
}
