#!/usr/bin/env node
// The `vigil` command. Runs the compiled CLI (npm install builds it through the "prepare" script).
// `vigil status --json` is first asked of the agent with only the socket client loaded
// (agent/cli/status-fast.ts); every other command, and that one when the agent does not answer it, runs
// the CLI proper. `vigil agent run` sets its V8 flags first, before any of its code is loaded
// (agent/adapters/process/code-tiers.ts).
const argv = process.argv.slice(2);

async function run() {
  let env = process.env;
  if (argv[0] === 'agent' && argv[1] === 'run')
    (await import('../dist/agent/adapters/process/code-tiers.js')).interpretOnly();
  if (argv[0] === 'status') {
    const { fastStatus } = await import('../dist/agent/cli/status-fast.js');
    const fast = await fastStatus(argv, env);
    if (typeof fast === 'object') {
      process.stdout.write(fast.out);
      return 0;
    }
    if (fast === 'direct') env = { ...env, VIGIL_NO_AGENT: '1' };
  }
  const [{ main }, { processIo }] = await Promise.all([
    import('../dist/agent/cli/main.js'),
    import('../dist/agent/cli/io.js'),
  ]);
  return main(argv, { ...processIo(), env });
}

run().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`vigil: internal error: ${err && err.stack ? err.stack : err}\n`);
    process.exitCode = 1;
  },
);
