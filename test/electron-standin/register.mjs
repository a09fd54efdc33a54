// `node --import tsx --import ./register.mjs dist/electron/main.js`: the desktop shell's real code, with
// 'electron' resolved to the stand-in (hooks.mjs) and the test's control channel open (control.ts).
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url);
await import('./control.ts');
