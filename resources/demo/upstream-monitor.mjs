// demo-upstream-monitor: probes the (simulated) model providers' status and latency, and crashes now and
// then, as such monitors do (an unexpected response shape), so Vigil's crash evidence, restarts and down
// alert can be seen. Mean time between crashes: DEMO_CRASH_SEC.
import { log, num, onStop, rand, serve } from './lib.mjs';

const port = num('PORT', 9464);
const crashSec = num('DEMO_CRASH_SEC', 150);
const providers = { anthropic: null, openai: null, google: null };

function probe() {
  for (const p of Object.keys(providers))
    providers[p] = { up: Math.random() > 0.03, latency_ms: Math.round(rand(80, 900)) };
  log('info', 'providers probed', { providers });
}

onStop();
serve(port, {
  'GET /health': () => [200, { status: 'healthy', checks: providers }],
  'GET /metrics': () => [
    200,
    `# TYPE upstream_latency_ms gauge\n${Object.entries(providers)
      .map(([p, v]) => `upstream_latency_ms{provider="${p}"} ${v?.latency_ms ?? 0}`)
      .join('\n')}\n`,
    'text/plain; version=0.0.4',
  ],
});
probe();
setInterval(probe, 5000);
const lifetime = rand(0.5, 1.5) * crashSec * 1000;
setTimeout(() => {
  log('error', "unexpected status page format: Cannot read properties of undefined (reading 'indicator')", {
    provider: 'openai',
  });
  process.stderr.write(
    "TypeError: Cannot read properties of undefined (reading 'indicator')\n    at parseStatus (upstream-monitor.mjs:42:31)\n",
  );
  process.exit(1);
}, lifetime);
