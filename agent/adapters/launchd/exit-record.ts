/**
 * Appends one line to the exit journal in the format the launcher and systemd's ExecStopPost hook write
 * (`<epoch seconds.fraction> <service> <result> <how> <status>`, see adapters/fs/exit-journal.ts). Used
 * when Vigil itself ends a process for a reason launchd cannot know: over its memory limit.
 */
import { appendFile, mkdir } from 'node:fs/promises';
import path from 'node:path';

export async function appendExitRecord(
  file: string,
  r: { at: number; service: string; result: string; how: 'exited' | 'killed'; status: string },
): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await appendFile(file, `${(r.at / 1000).toFixed(3)} ${r.service} ${r.result} ${r.how} ${r.status}\n`, {
    mode: 0o600,
  });
}
