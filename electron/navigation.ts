/** The window's hardening, as data and pure checks (main.ts applies them). */

/** Only the agent's own origin may be shown in the window; everything else opens nowhere. */
export function isAllowedNavigation(target: string, agentOrigin: string): boolean {
  let u: URL;
  try {
    u = new URL(target);
  } catch {
    return false;
  }
  return u.origin === agentOrigin && (u.protocol === 'http:' || u.protocol === 'https:');
}

/** http(s) links to elsewhere go to the user's browser; nothing else leaves the app. */
export function isExternalLink(target: string): boolean {
  try {
    const u = new URL(target);
    return u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    return false;
  }
}

export const WEB_PREFERENCES = {
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webviewTag: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  navigateOnDragDrop: false,
  spellcheck: false,
} as const;

/** Linux "start at login": an XDG autostart entry (Electron's login items are macOS/Windows only). */
export function autostartEntry(exec: readonly string[]): string {
  const quote = (a: string) =>
    /^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `"${a.replace(/(["`$\\])/g, '\\$1')}"`;
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=Vigil',
    'Comment=Supervises your AI agent’s services',
    `Exec=${exec.map(quote).join(' ')}`,
    'X-GNOME-Autostart-enabled=true',
    'Terminal=false',
    '',
  ].join('\n');
}
