// demo-worker: memory consolidation. Every DEMO_WORKER_MS it folds recent "conversations" into long-term
// memory with the fast tier, through demo-model-proxy, and logs an llm_usage line in Vigil's flat form.
import { TIERS, log, num, onStop, postJson, randInt } from './lib.mjs';

const proxy = process.env.PROXY_URL ?? 'http://127.0.0.1:4000';
const everyMs = num('DEMO_WORKER_MS', 20000);
let batch = 0;

async function consolidate() {
  batch++;
  const conversations = randInt(3, 40);
  try {
    const [status, res] = await postJson(`${proxy}/v1/messages`, {
      tier: 'fast',
      input_tokens: conversations * randInt(150, 600),
    });
    if (status !== 200) {
      log('warn', 'consolidation call failed; will retry next round', { batch, status });
      return;
    }
    const u = res.usage;
    process.stdout.write(
      `${JSON.stringify({
        event: 'llm_usage',
        ts: Date.now(),
        provider: 'anthropic',
        model: res.model,
        request_id: res.id,
        input_tokens: u.input_tokens,
        output_tokens: u.output_tokens,
        cache_read_tokens: u.cache_read_input_tokens,
        cache_write_tokens: u.cache_creation_input_tokens,
      })}\n`,
    );
    log('info', 'memory consolidated', {
      batch,
      conversations,
      model: TIERS.fast.model,
      memories_written: randInt(1, conversations),
    });
  } catch (err) {
    log('error', 'model proxy unreachable', { batch, error: String(err?.message ?? err) });
  }
}

onStop();
log('info', 'worker started', { every_ms: everyMs });
void consolidate();
setInterval(() => void consolidate(), everyMs);
