// demo-model-proxy: stands in for a LiteLLM proxy. Answers /v1/messages like Anthropic's Messages API
// with simulated usage (no model is called, nothing is spent). Its /health is healthy only with a demo
// key in DEMO_API_KEY (credential set demo-provider), so a rotation to a bad key is rolled back.
import { TIERS, id, log, num, onStop, rand, randInt, serve, sleep } from './lib.mjs';

const port = num('PORT', 4000);
const key = process.env.DEMO_API_KEY ?? '';
const latencyScale = num('DEMO_LATENCY_SCALE', 1);
const incidentEverySec = num('DEMO_INCIDENT_EVERY_SEC', 420);
const incidentSec = num('DEMO_INCIDENT_SEC', 75);
const started = Date.now();
const cacheWarm = new Set();
let served = 0;

const keyOk = () => /^demo-[A-Za-z0-9_-]{8,}$/.test(key);
/** Every incidentEverySec the "provider" is overloaded for incidentSec: many 529s (error-rate alert). */
function overloaded() {
  const t = ((Date.now() - started) / 1000) % incidentEverySec;
  return t > incidentEverySec - incidentSec;
}

onStop();
if (!keyOk()) log('error', 'DEMO_API_KEY is missing or not a demo key (demo-…): /health reports down');

serve(port, {
  'GET /health': () => {
    const ok = keyOk();
    return [
      ok ? 200 : 503,
      {
        status: ok ? (overloaded() ? 'degraded' : 'healthy') : 'down',
        checks: {
          api_key: ok ? 'demo key loaded' : 'no valid demo key',
          upstream: overloaded() ? 'overloaded' : 'ok',
        },
        served,
        uptime_s: Math.round((Date.now() - started) / 1000),
      },
    ];
  },
  'POST /v1/messages': async (_req, body) => {
    const reqBody = JSON.parse(body || '{}');
    const tier = TIERS[reqBody.tier] ?? TIERS.standard;
    const inputTokens = Number(reqBody.input_tokens) || randInt(...tier.input);
    const latency = rand(...tier.latency) * latencyScale;
    await sleep(latency * 1000);
    if (!keyOk())
      return [401, { type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } }];
    if (Math.random() < (overloaded() ? 0.45 : 0.02)) {
      log('warn', 'upstream overloaded', { model: tier.model, status: 529, latency_s: +latency.toFixed(3) });
      return [529, { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }];
    }
    // A prompt cache per tier: the first call writes it, later ones read it (as Anthropic bills it).
    const cached = randInt(...tier.cached);
    const warm = cacheWarm.has(tier.model) && Math.random() > 0.05;
    cacheWarm.add(tier.model);
    const usage = {
      input_tokens: inputTokens,
      cache_creation_input_tokens: warm ? 0 : cached,
      cache_read_input_tokens: warm ? cached : 0,
      output_tokens: randInt(...tier.output),
    };
    served++;
    log('info', 'proxied', { model: tier.model, status: 200, latency_s: +latency.toFixed(3) });
    return [
      200,
      {
        id: id('msg_'),
        type: 'message',
        role: 'assistant',
        model: tier.model,
        content: [{ type: 'text', text: '(simulated)' }],
        stop_reason: 'end_turn',
        usage,
      },
    ];
  },
});
