/** Which format a file to import is in, by its name and first bytes. Pure. */
import path from 'node:path/posix';
import { importError, type ImportFormat } from './model.js';

export function detectFormat(file: string, head: string): ImportFormat | 'pm2-js' {
  const base = path.basename(file).toLowerCase();
  const start = head.trimStart();
  if (
    base.endsWith('.plist') ||
    start.startsWith('bplist') ||
    /<!DOCTYPE plist|<plist[\s>]/.test(head.slice(0, 512))
  )
    return 'launchd';
  if (base.endsWith('.service') || /^\s*\[Service\]\s*$/m.test(head)) return 'systemd';
  if (/\.(c|m)?js$/.test(base)) return 'pm2-js';
  if (base.endsWith('.json')) return 'pm2';
  if (/\.ya?ml$/.test(base) || /^services\s*:/m.test(head)) return 'compose';
  throw importError(
    { file, line: null },
    'unknown format: expected a LaunchAgent plist (.plist), a systemd unit (.service), a docker-compose file (.yml/.yaml) or a PM2 ecosystem file (.json, or .js/.cjs with --allow-js)',
  );
}
