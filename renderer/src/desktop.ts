/**
 * What the desktop app (electron/preload.cts) exposes to the page as `window.vigilDesktop`; absent in
 * a plain browser. Kept to what the page cannot do itself.
 */
export interface DesktopBridge {
  readonly platform: string;
  getStartAtLogin(): Promise<boolean>;
  setStartAtLogin(on: boolean): Promise<boolean>;
}

export function isDesktopBridge(x: unknown): x is DesktopBridge {
  if (typeof x !== 'object' || x === null) return false;
  const b = x as Partial<DesktopBridge>;
  return typeof b.getStartAtLogin === 'function' && typeof b.setStartAtLogin === 'function';
}
