/** The CLI's streams, injected so commands are tested without a terminal. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** stdin, for commands that read input. */
  stdin: NodeJS.ReadableStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** stderr is a terminal (progress lines are drawn only then). */
  errIsTTY?: boolean;
}

export function processIo(): Io {
  return {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
    errIsTTY: process.stderr.isTTY === true,
  };
}

export function printJson(io: Io, value: unknown): void {
  io.out(`${JSON.stringify(value, null, 2)}\n`);
}
