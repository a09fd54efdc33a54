/**
 * The manifest's `alerts:` map travels from `vigil apply` to the agent through the database, without its
 * secrets: inline webhook URLs/tokens are flagged, and the agent reads them from the manifest file (the
 * fallback) when the credential store does not have them.
 */
import { DEFAULT_ALERTS, withoutSecrets } from '../core/alerts/config.js';
import type { Manifest } from '../core/manifest/model.js';
import type { Store } from '../ports/store.js';
import type { StoredAlerts } from '../ports/state-keys.js';

export const ALERTS_CONFIG_KEY = 'alerts.config';

export type { StoredAlerts };

export function saveAlertsConfig(store: Store, manifest: Manifest): void {
  const { inline, ...config } = withoutSecrets(manifest.alerts ?? DEFAULT_ALERTS);
  const value: StoredAlerts = { config, inline, manifestFile: manifest.file };
  store.setState(ALERTS_CONFIG_KEY, value);
}

export function loadAlertsConfig(store: Store): StoredAlerts {
  return store.getState(ALERTS_CONFIG_KEY) ?? { config: DEFAULT_ALERTS, inline: {}, manifestFile: null };
}
