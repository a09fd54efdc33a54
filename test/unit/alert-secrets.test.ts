import { it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CredentialStoreSecrets, secretLookup } from '../../agent/adapters/fs/alert-secrets.js';
import { FsCredentialStore } from '../../agent/adapters/credentials/fs-store.js';
import type { WebhookConfig } from '../../agent/core/alerts/config.js';

const hook = (name: string, type: WebhookConfig['type'] = 'slack'): WebhookConfig => ({
  name,
  type,
  url: null,
  token: null,
  chatId: null,
  apiUrl: null,
  minSeverity: 'info',
});

it('webhook secrets: the credential store first, then the inline manifest value (only when the manifest had one)', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-secrets-'));
  const creds = path.join(dir, 'credentials');
  mkdirSync(creds, { mode: 0o700 });
  const store = new FsCredentialStore(creds);
  store.write('alerts', [
    { key: 'OPS_URL', value: 'https://hooks.slack.com/services/STORE', updatedAt: null },
  ]);
  const manifest = path.join(dir, 'vigil.yaml');
  writeFileSync(
    manifest,
    'services: {}\nalerts:\n  webhooks:\n    ops: { type: slack, url: "https://hooks.slack.com/services/INLINE" }\n    phone: { type: telegram, chatId: "1", token: "123:INLINE" }\n',
  );
  let inline: Record<string, { url: boolean; token: boolean }> = {
    ops: { url: true, token: false },
    phone: { url: false, token: true },
  };
  const lookup = secretLookup(
    new CredentialStoreSecrets(store),
    () => 'alerts',
    () => manifest,
    () => inline,
  );
  assert.equal(await lookup(hook('ops'), 'url'), 'https://hooks.slack.com/services/STORE', 'the store wins');
  assert.equal(await lookup(hook('phone', 'telegram'), 'token'), '123:INLINE', 'the manifest fallback');
  store.write('alerts', [
    { key: 'OPS_URL', value: 'https://hooks.slack.com/services/STORE', updatedAt: null },
    { key: 'PHONE_TOKEN', value: '123:ROTATED', updatedAt: null },
  ]);
  assert.equal(
    await lookup(hook('phone', 'telegram'), 'token'),
    '123:ROTATED',
    'read fresh: a rotation applies at once',
  );
  inline = {};
  assert.equal(await lookup(hook('nope'), 'url'), undefined);
  assert.equal(
    await lookup({ ...hook('ops'), name: 'ops2' }, 'url'),
    undefined,
    'not flagged inline: the manifest is not read',
  );
});
