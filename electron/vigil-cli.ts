/**
 * Running the `vigil` CLI from the desktop app (installing the agent): with Node in a checkout, with the
 * app's own Electron binary in node mode when packaged (the agent's files are unpacked from the asar).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const DEFAULT_UI_PORT = 7878;

export interface CliCommand {
  file: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}

/** The command line for `vigil …args`. */
export function vigilCommand(
  args: readonly string[],
  opts: { packaged: boolean; execPath: string; env: NodeJS.ProcessEnv; binPath?: string },
): CliCommand {
  const bin = (opts.binPath ?? fileURLToPath(new URL('../../bin/vigil.js', import.meta.url))).replace(
    /([/\\])app\.asar([/\\])/,
    '$1app.asar.unpacked$2',
  );
  if (opts.packaged)
    return { file: opts.execPath, args: [bin, ...args], env: { ...opts.env, ELECTRON_RUN_AS_NODE: '1' } };
  return { file: opts.env.VIGIL_NODE ?? 'node', args: [bin, ...args], env: { ...opts.env } };
}

export function runCli(cmd: CliCommand, timeoutMs = 60_000): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(cmd.file, cmd.args, { env: cmd.env, timeout: timeoutMs }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${stderr.trim() || err.message}`));
      else resolve({ stdout, stderr });
    });
  });
}
