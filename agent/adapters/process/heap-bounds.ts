/**
 * Bounds on how far V8 lets the agent's heap grow past what it really holds. Reading a log backlog (or any
 * steady stream of short-lived objects: lines, entries, API replies) otherwise costs the always-on agent far
 * more memory than it keeps (test/bench/RESULTS-usage.md §3):
 *
 *  - Young generation: V8 doubles the new space (up to 2 × 16 MB on 64-bit) whenever enough objects have
 *    survived scavenges since the last growth, which such a stream always triggers, and gives it back only
 *    once allocation has nearly stopped: ~30 MB of RSS for as long as the work goes on. Its size limit is
 *    fixed when the heap is created (`--max-semi-space-size` on the command line), but the growth factor is
 *    read at each growth, so setting it to 1 holds the new space at its size at start-up (1–2 MB per semi-space).
 *  - Old generation: after each full collection V8 lets the old space grow to up to 4× what survived before
 *    collecting again; a small new space promotes more short-lived objects, so garbage piled up to ~3× the
 *    live heap (27 MB used, 12 MB of it live). A fixed growing factor of 1 + OLD_SPACE_GROWING_PERCENT/100
 *    collects it sooner; the agent's live heap is small (~12 MB), so a full collection is cheap.
 *
 * Both are read by V8 when it decides, not only at start-up, so setting them once, early, is enough.
 *
 *  - The semi-space's own size is fixed when the heap is created, and by the time the agent's code runs,
 *    loading the CLI's modules has already grown it to 4 MB (8 MB of new space, which the growth factor then
 *    keeps, and which V8 never shrinks while the agent is busy). So the agent is started with
 *    AGENT_NODE_FLAGS on node's command line (its systemd unit, its LaunchAgent, the tests' agents):
 *    1 MB semi-spaces, 6 MB less while ingesting 200,000 usage lines (test/bench/RESULTS-usage.md §4).
 *  - The interpreter only (code-tiers.ts: no TurboFan, no Sparkplug), also on that command line: optimizing
 *    the hot ingestion functions touched ~4 MB more of node's binary (the compiler's own code) and its zones;
 *    the agent's work is I/O and SQLite, so it is ~1.3× slower at reading a log flat out (still
 *    26,000–34,000 entries/s against the 5,000 a second a busy service writes) for ~4–5 MB less RSS
 *    (RESULTS-usage.md §4).
 *
 * Outside V8, glibc's allocator (SQLite's pages and statements, read buffers, V8's own bookkeeping) keeps
 * freed memory in per-thread arenas and at the top of its heap; AGENT_MALLOC_ENV in the agent's systemd unit
 * (read by glibc when the process starts; macOS's allocator ignores it) holds it to two arenas and returns a
 * free top above 128 KiB: 4 MB less while ingesting the same lines.
 */
import v8 from 'node:v8';
import { INTERPRETER_ONLY_FLAGS } from './code-tiers.js';

/** New-space growth factor: 1 = never grow past the semi-space size at the call. */
export const SEMI_SPACE_GROWTH_FACTOR = 1;
/** The old space may grow to this much more than what survived the last full collection. */
export const OLD_SPACE_GROWING_PERCENT = 25;

/** The most a semi-space may hold (MB); the young generation is two of them. */
export const MAX_SEMI_SPACE_MB = 1;
/** node's options for `vigil agent run`, before the script: flags V8 reads only when it creates the heap. */
export const AGENT_NODE_FLAGS: readonly string[] = [
  `--max-semi-space-size=${MAX_SEMI_SPACE_MB}`,
  ...INTERPRETER_ONLY_FLAGS,
];

/** glibc malloc tunables for the agent's process (its unit's Environment=, the tests' agents). */
export const AGENT_MALLOC_ENV: Readonly<Record<string, string>> = {
  MALLOC_ARENA_MAX: '2',
  MALLOC_TRIM_THRESHOLD_: String(128 * 1024),
};

/** Process-wide, once, before the agent starts its work. */
export function boundHeapGrowth(): void {
  v8.setFlagsFromString(`--semi-space-growth-factor=${SEMI_SPACE_GROWTH_FACTOR}`);
  v8.setFlagsFromString(`--heap-growing-percent=${OLD_SPACE_GROWING_PERCENT}`);
}
