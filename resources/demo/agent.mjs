// demo-agent: the agent core. Routes simulated tasks to three model tiers through demo-model-proxy,
// writes one llm_usage line per call (Vigil's usage ingestion reads them from its log) and serves the
// guide's /health JSON and Prometheus /metrics. Nothing real is called.
import { TIERS, getJson, log, num, onStop, pickTier, postJson, randInt, serve } from './lib.mjs';

const port = num('PORT', 8080);
const proxy = process.env.PROXY_URL ?? 'http://127.0.0.1:4000';
const callMs = num('DEMO_CALL_MS', 3000);
const concurrency = num('DEMO_CONCURRENCY', 2);
const started = Date.now();
let lastInference = Date.now();
let activeTasks = 0;
let proxyOk = false;

const BUCKETS = [0.5, 1, 2, 5, 10, 30, 60];
const requests = new Map(); // `${model}\0${status}` → n
const tokens = new Map(); // `${model}\0${direction}` → n
const durations = new Map(); // model → { buckets: number[], sum, count }
const costs = []; // [time, usd] over the last hour, for agent_cost_estimate_hourly
// USD per 1k tokens, the guide's own table (an estimate for the gauge; Vigil prices usage itself)
const PRICE = { fast: [0.0008, 0.004], standard: [0.003, 0.015], complex: [0.015, 0.075] };

const inc = (m, k, by = 1) => m.set(k, (m.get(k) ?? 0) + by);

function observe(model, seconds) {
  const d = durations.get(model) ?? { buckets: BUCKETS.map(() => 0), sum: 0, count: 0 };
  BUCKETS.forEach((le, i) => {
    if (seconds <= le) d.buckets[i]++;
  });
  d.sum += seconds;
  d.count++;
  durations.set(model, d);
}

function metrics() {
  const esc = (s) => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
  const out = [];
  out.push('# HELP agent_requests_total Total requests processed', '# TYPE agent_requests_total counter');
  for (const [k, v] of requests) {
    const [model, status] = k.split('\0');
    out.push(`agent_requests_total{model="${esc(model)}",status="${status}"} ${v}`);
  }
  out.push('# HELP agent_tokens_total Total tokens consumed', '# TYPE agent_tokens_total counter');
  for (const [k, v] of tokens) {
    const [model, direction] = k.split('\0');
    out.push(`agent_tokens_total{model="${esc(model)}",direction="${direction}"} ${v}`);
  }
  out.push(
    '# HELP agent_request_duration_seconds Request processing time',
    '# TYPE agent_request_duration_seconds histogram',
  );
  for (const [model, d] of durations) {
    const m = esc(model);
    BUCKETS.forEach((le, i) =>
      out.push(`agent_request_duration_seconds_bucket{model="${m}",le="${le}"} ${d.buckets[i]}`),
    );
    out.push(`agent_request_duration_seconds_bucket{model="${m}",le="+Inf"} ${d.count}`);
    out.push(`agent_request_duration_seconds_sum{model="${m}"} ${d.sum.toFixed(3)}`);
    out.push(`agent_request_duration_seconds_count{model="${m}"} ${d.count}`);
  }
  const hourAgo = Date.now() - 3_600_000;
  while (costs.length > 0 && costs[0][0] < hourAgo) costs.shift();
  const elapsedH = Math.min(1, (Date.now() - started) / 3_600_000);
  const hourly = costs.reduce((a, [, c]) => a + c, 0) / Math.max(elapsedH, 1 / 60);
  out.push(
    '# HELP agent_active_tasks Currently running tasks',
    '# TYPE agent_active_tasks gauge',
    `agent_active_tasks ${activeTasks}`,
  );
  out.push(
    '# HELP agent_cost_estimate_hourly Estimated hourly cost in USD',
    '# TYPE agent_cost_estimate_hourly gauge',
    `agent_cost_estimate_hourly ${hourly.toFixed(4)}`,
  );
  out.push(
    '# HELP process_start_time_seconds Start time of the process',
    '# TYPE process_start_time_seconds gauge',
    `process_start_time_seconds ${Math.floor(started / 1000)}`,
  );
  return `${out.join('\n')}\n`;
}

async function task() {
  const tierName = pickTier();
  const tier = TIERS[tierName];
  const taskType = tier.tasks[randInt(0, tier.tasks.length - 1)];
  activeTasks++;
  const t0 = Date.now();
  try {
    const [status, res] = await postJson(`${proxy}/v1/messages`, {
      tier: tierName,
      input_tokens: randInt(...tier.input),
    });
    const seconds = (Date.now() - t0) / 1000;
    observe(tier.model, seconds);
    if (status !== 200) {
      inc(requests, `${tier.model}\0error`);
      log('warn', 'model call failed', {
        task: taskType,
        model: tier.model,
        status,
        error: res?.error?.type ?? 'unknown',
      });
      return;
    }
    const u = res.usage;
    inc(requests, `${tier.model}\0success`);
    inc(tokens, `${tier.model}\0input`, u.input_tokens);
    inc(tokens, `${tier.model}\0output`, u.output_tokens);
    inc(tokens, `${tier.model}\0cache_read`, u.cache_read_input_tokens);
    inc(tokens, `${tier.model}\0cache_write`, u.cache_creation_input_tokens);
    const [pin, pout] = PRICE[tierName];
    costs.push([
      Date.now(),
      ((u.input_tokens + u.cache_creation_input_tokens * 1.25 + u.cache_read_input_tokens * 0.1) * pin +
        u.output_tokens * pout) /
        1000,
    ]);
    lastInference = Date.now();
    // The line Vigil reads: the SDK's usage object as returned, with the provider's request id.
    process.stdout.write(
      `${JSON.stringify({ event: 'llm_usage', ts: new Date().toISOString(), provider: 'anthropic', model: res.model, request_id: res.id, task: taskType, usage: u })}\n`,
    );
    log('info', 'task done', { task: taskType, model: tier.model, latency_s: +seconds.toFixed(3) });
  } catch (err) {
    inc(requests, `${tier.model}\0error`);
    log('error', 'model proxy unreachable', { task: taskType, error: String(err?.message ?? err) });
  } finally {
    activeTasks--;
  }
}

onStop();
serve(port, {
  'GET /health': async () => {
    try {
      const [s] = await getJson(`${proxy}/health`);
      proxyOk = s === 200;
    } catch {
      proxyOk = false;
    }
    const age = (Date.now() - lastInference) / 1000;
    const healthy = proxyOk && age < 300;
    return [
      200,
      {
        status: healthy ? 'healthy' : 'degraded',
        checks: { model_proxy: proxyOk, memory_store: true, last_inference_age_s: +age.toFixed(1) },
        uptime_s: Math.round((Date.now() - started) / 1000),
      },
    ];
  },
  'GET /metrics': () => [200, metrics(), 'text/plain; version=0.0.4'],
});

setInterval(() => {
  if (activeTasks < concurrency) void task();
}, callMs);
log('info', 'agent started', {
  proxy,
  call_every_ms: callMs,
  tiers: Object.values(TIERS).map((t) => t.model),
});
