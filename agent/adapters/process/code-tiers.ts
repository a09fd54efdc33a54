/**
 * The agent runs its JavaScript in V8's interpreter only: no baseline (Sparkplug) or optimising (TurboFan)
 * compiler. An idle supervisor's code is not hot, but those compilers still run on what start-up and each
 * tick call a few hundred times, and every page of their code that runs stays resident: with them the
 * idle agent (20 services) held 60–62 MB, without them 55–57 MB, the difference nearly all in the node
 * binary's own pages (test/bench/RESULTS-footprint.md). Its work is I/O, JSON, SQLite and regular
 * expressions (native code either way, irregexp compiles patterns on its own), so its CPU did not rise.
 *
 * Both flags are read by V8 whenever it decides to compile, but they must be set before the agent's
 * modules load (on node's command line in the agent's unit: heap-bounds.ts AGENT_NODE_FLAGS; and bin/vigil.js
 * sets them first thing for a `vigil agent run` started without them): set in runAgent, after the
 * imports, they saved nothing — loading ~200 modules already ran both compilers. WebAssembly (fetch's
 * HTTP parser) keeps its own compilers, which --lite-mode or --jitless would take away.
 */
import v8 from 'node:v8';

export const INTERPRETER_ONLY_FLAGS: readonly string[] = ['--no-opt', '--no-sparkplug'];

/** Process-wide, once, before the agent starts its work. */
export function interpretOnly(): void {
  for (const flag of INTERPRETER_ONLY_FLAGS) v8.setFlagsFromString(flag);
}
