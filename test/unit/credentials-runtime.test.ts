/** The agent's credential runtime: its cache feeds the logger's scrubber and the leak guard, and follows writes. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { createLogger } from '../../agent/adapters/agent-log/logger.js';
import { CredentialRuntime } from '../../agent/daemon/credentials.js';
import { CredentialStoreSecrets } from '../../agent/adapters/fs/alert-secrets.js';
import { FsCredentialStore } from '../../agent/adapters/credentials/fs-store.js';
import { SqliteStore } from '../../agent/adapters/sqlite/sqlite-store.js';
import { directLogRedaction } from '../../agent/daemon/log-redaction.js';
import { createContext } from '../../agent/daemon/compose.js';
import { vigilPaths } from '../../agent/core/paths.js';
import type { NewEvent } from '../../agent/core/events.js';
import { FakeClock } from '../helpers/fake-clock.js';

function runtimeAt(paths: ReturnType<typeof vigilPaths>): CredentialRuntime {
  const clock = new FakeClock();
  return new CredentialRuntime({
    credentials: new FsCredentialStore(paths.credentials, () => clock.now()),
    clock,
  });
}

describe('credential runtime (agent)', () => {
  it('the agent logger scrubs every value in the store, including ones written after it started', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-rt-'));
    try {
      const paths = vigilPaths({ VIGIL_HOME: path.join(dir, 'vh'), HOME: dir });
      const rt = runtimeAt(paths);
      let out = '';
      const sink = new Writable({ write: (c: Buffer, _e, cb) => ((out += c.toString()), cb()) });
      const logger = createLogger({ destination: sink, secrets: () => rt.values() });
      rt.store.write('llm', [{ key: 'API_KEY', value: 'sk-first-canary-123', updatedAt: 1 }]);
      assert.equal(rt.cache.refresh(), true, 'a write changes the signature');
      assert.equal(rt.cache.refresh(), false, 'nothing changed since');
      logger.info({ detail: 'key sk-first-canary-123 failed' }, 'upstream said sk-first-canary-123');
      rt.store.write('llm', [{ key: 'API_KEY', value: 'sk-second-canary-456', updatedAt: 2 }]);
      rt.cache.refresh();
      logger.error(new Error('bad key sk-second-canary-456'), 'boom');
      logger.info('old one again: sk-first-canary-123');
      assert.ok(!out.includes('canary'), out);
      assert.ok((out.match(/\[redacted\]/g)?.length ?? 0) >= 4, out);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('crash log tails go through the leak guard, which records one secret-leaked event', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-rt-'));
    try {
      const paths = vigilPaths({ VIGIL_HOME: path.join(dir, 'vh'), HOME: dir });
      const rt = runtimeAt(paths);
      const events: NewEvent[] = [];
      rt.bind((e) => events.push(...e));
      rt.store.write('llm', [{ key: 'API_KEY', value: 'sk-tail-canary-789', updatedAt: 5 }]);
      rt.cache.refresh();
      const tail = rt.redactingTail(async () => ['connecting with sk-tail-canary-789', 'fatal']);
      assert.deepEqual(await tail('web', 20), ['connecting with [redacted:llm/API_KEY]', 'fatal']);
      await tail('web', 20);
      assert.deepEqual(
        events.map((e) => [e.type, e.service, e.key]),
        [['secret-leaked', 'web', 'secret-leaked:llm/API_KEY:5']],
      );
      assert.equal(await new CredentialStoreSecrets(rt.store).get('llm', 'API_KEY'), 'sk-tail-canary-789');
      assert.equal(await new CredentialStoreSecrets(rt.store).get('llm', 'NOPE'), undefined);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('without an agent (vigil logs direct): lines redacted, the first sighting stored in the database once', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-rt-'));
    try {
      const env = { VIGIL_HOME: path.join(dir, 'vh'), HOME: dir, VIGIL_BACKEND: 'systemd' };
      const paths = vigilPaths(env);
      new FsCredentialStore(paths.credentials).write('llm', [
        { key: 'API_KEY', value: 'sk-direct-canary-42', updatedAt: 9 },
      ]);
      SqliteStore.open(paths.db).close();
      const redact = directLogRedaction(await createContext(env), new FakeClock())('web', 'log tail');
      assert.equal(redact('using sk-direct-canary-42 now'), 'using [redacted:llm/API_KEY] now');
      assert.equal(redact('again sk-direct-canary-42'), 'again [redacted:llm/API_KEY]');
      const again = directLogRedaction(await createContext(env), new FakeClock())('web', 'log tail');
      again('and sk-direct-canary-42 in another process');
      const db = SqliteStore.open(paths.db);
      try {
        const leaked = db.queryEvents({ types: ['secret-leaked'] });
        assert.deepEqual(
          leaked.map((e) => [e.service, e.key, e.severity]),
          [['web', 'secret-leaked:llm/API_KEY:9', 'critical']],
        );
        assert.ok(!JSON.stringify(leaked).includes('canary'));
      } finally {
        db.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
