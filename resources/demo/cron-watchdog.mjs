// demo-cron-watchdog: checks that the scheduled agent jobs ran on time (here: that demo-agent answers its
// /health and did a model call recently) and logs a warning when one is late. /health on PORT.
import { getJson, log, num, onStop, serve } from './lib.mjs';

const port = num('PORT', 8711);
const agentUrl = process.env.AGENT_URL ?? 'http://127.0.0.1:8080';
const everyMs = num('DEMO_WATCHDOG_MS', 10000);
let lastCheck = null;
let late = 0;

async function check() {
  try {
    const [status, body] = await getJson(`${agentUrl}/health`);
    const age = body?.checks?.last_inference_age_s;
    const onTime = status === 200 && typeof age === 'number' && age < 120;
    if (!onTime) late++;
    lastCheck = { at: new Date().toISOString(), onTime, last_inference_age_s: age ?? null };
    log(onTime ? 'info' : 'warn', onTime ? 'jobs on time' : 'a scheduled job is late', lastCheck);
  } catch (err) {
    late++;
    lastCheck = { at: new Date().toISOString(), onTime: false, error: String(err?.message ?? err) };
    log('warn', 'agent did not answer', lastCheck);
  }
}

onStop();
serve(port, {
  'GET /health': () => [200, { status: 'healthy', checks: { last_check: lastCheck, late_total: late } }],
});
setInterval(() => void check(), everyMs);
