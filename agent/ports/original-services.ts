/**
 * The services `vigil import --replace` takes over: the user's own systemd units and LaunchAgents, not
 * Vigil's. They are only unloaded and disabled, never deleted, so that `vigil import --restore` can bring
 * them back.
 */
import type { Original } from '../core/import/model.js';

export interface OriginalServices {
  /**
   * The file the service manager loads for it (systemd's FragmentPath), null when it has none: replacing
   * is refused unless that is the file imported, so an unrelated unit of the same name is never touched.
   */
  loadedFrom(original: Original): Promise<string | null>;
  /** Stops and disables it (systemd: disable --now; launchd: bootout). Its file stays. */
  unload(original: Original): Promise<void>;
  /** Enables and starts it again (systemd: enable --now; launchd: bootstrap of its plist). */
  reload(original: Original): Promise<void>;
}
