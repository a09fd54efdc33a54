/** Big generated logs for the tail/search tests and benchmarks: pino-style lines, needles at known places. */
import { closeSync, openSync, writeSync } from 'node:fs';

const filler = (i: number) =>
  `{"level":30,"time":1795729527164,"pid":4242,"hostname":"box","req":${i % 1000},"msg":"request completed in 12ms"}\n`;

export interface BigLog {
  bytes: number;
  /** NEEDLE-0 … NEEDLE-(needles-1), one `{"level":50,…,"needle":"NEEDLE-k"}` line each, in order. */
  needles: number;
  /** The last `tailLines` lines: `{"level":30|50,"msg":"tail line","i":k}` (level 50 when k % 100 == 99). */
  tailLines: number;
}

/** Writes about `target` bytes to `file`: blocks of ~4.5 MB of filler, a needle line after every 4th. */
export function writeBigLog(file: string, target: number, tailLines = 2000): BigLog {
  const block = Buffer.from(Array.from({ length: 40_000 }, (_, i) => filler(i)).join(''));
  const fd = openSync(file, 'w');
  let bytes = 0;
  let needles = 0;
  try {
    for (let b = 0; bytes < target; b++) {
      bytes += writeSync(fd, block);
      if (b % 4 === 2)
        bytes += writeSync(fd, `{"level":50,"msg":"upstream failed","needle":"NEEDLE-${needles++}"}\n`);
    }
    const tail = Array.from(
      { length: tailLines },
      (_, i) => `{"level":${i % 100 === 99 ? 50 : 30},"msg":"tail line","i":${i}}\n`,
    ).join('');
    bytes += writeSync(fd, tail);
  } finally {
    closeSync(fd);
  }
  return { bytes, needles, tailLines };
}
