/**
 * Prints the demo stack's manifest (`vigil demo`) with fixed paths and ports, the source of the committed
 * examples/export-demo/ (test/unit/export-examples.test.ts checks them byte for byte). Regenerate with:
 *   node --import tsx scripts/demo-example.ts > examples/export-demo/vigil.yaml
 *   npx vigil export compose -f examples/export-demo/vigil.yaml -o examples/export-demo/compose
 *   npx vigil export kubernetes -f examples/export-demo/vigil.yaml -o examples/export-demo/kubernetes
 */
import { DEFAULT_TIMINGS, demoManifest } from '../agent/cli/demo/manifest.js';

/** What `vigil demo` fills in at install (this machine's node, the package's folder, free ports), fixed. */
export const DEMO_EXAMPLE = {
  node: '/usr/bin/node',
  stack: '/opt/vigil/resources/demo',
  ports: { proxy: 4101, agent: 4102, watchdog: 4103, monitor: 4104, http: 4100 },
  timings: DEFAULT_TIMINGS,
};

if (import.meta.url === `file://${process.argv[1]}`) process.stdout.write(demoManifest(DEMO_EXAMPLE));
