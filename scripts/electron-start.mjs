#!/usr/bin/env node
// `npm start` (after `npm run build`): launches the desktop app. Electron's postinstall download is
// disabled (package.json allowScripts), so the binary is fetched here on first use; where that is not
// possible, say so and point at the browser UI, which needs no Electron.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const electronDir = path.dirname(require.resolve('electron/package.json'));

function electronBinary() {
  try {
    // electron's index.js returns the binary's path, and throws when it was never downloaded.
    const bin = require(path.join(electronDir, 'index.js'));
    return existsSync(bin) ? bin : null;
  } catch {
    return null;
  }
}

let bin = electronBinary();
if (bin === null) {
  console.error('vigil: downloading the Electron binary (first start)…');
  const r = spawnSync(process.execPath, [path.join(electronDir, 'install.js')], { stdio: 'inherit' });
  delete require.cache[path.join(electronDir, 'index.js')];
  bin = r.status === 0 ? electronBinary() : null;
}
if (bin === null) {
  console.error(`vigil: the Electron binary could not be downloaded on this machine (offline, blocked, or no build for ${process.platform}/${process.arch}).
The desktop app needs it; the same dashboard runs in any browser without it:
  npx vigil agent run --http 127.0.0.1:7878     (or: npx vigil agent install --http 127.0.0.1:7878)
  npx vigil open`);
  process.exit(1);
}

const main = path.join(root, 'dist', 'electron', 'main.js');
if (!existsSync(main)) {
  console.error('vigil: dist/electron/main.js is missing: run `npm run build` first');
  process.exit(1);
}
const child = spawn(bin, [main, ...process.argv.slice(2)], { stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 0)));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
