// `node --import tsx --import ./register.mjs dist/electron/main.js`: the desktop shell's real code, with
// 'electron' resolved to the stand-in (hooks.mjs) and the test's control channel open (control.ts).
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url);
// The macOS branches (menu-bar title, template images, the Dock, login items) run with
// VIGIL_STANDIN_PLATFORM=darwin: main.ts reads process.platform, which is set here before it loads.
if (process.env.VIGIL_STANDIN_PLATFORM)
  Object.defineProperty(process, 'platform', { value: process.env.VIGIL_STANDIN_PLATFORM });
await import('./control.ts');
