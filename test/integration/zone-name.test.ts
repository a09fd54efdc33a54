/**
 * The machine's zone is named the same way with and without the agent: the system's name (TZ or the
 * /etc/localtime link), not Intl's alias (ICU calls Asia/Kolkata "Asia/Calcutta"). The agent's replies use
 * adapters/host/zone-name.ts to keep ICU's locale data out of its memory; the CLI without an agent must
 * say the same.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { makeHome, type TestHome } from '../helpers/vigil.js';

const ZONE = 'Asia/Kolkata';

describe(
  'the machine zone without an agent (real CLI)',
  { skip: !existsSync(`/usr/share/zoneinfo/${ZONE}`) && `no tzdata for ${ZONE}` },
  () => {
    let t: TestHome | null = null;
    after(async () => t?.cleanup());

    it(`TZ=${ZONE}: vigil usage and vigil budget status name it ${ZONE}, as the agent does`, async () => {
      t = await makeHome();
      t.env.TZ = ZONE;
      t.env.VIGIL_NO_AGENT = '1';
      const usage = await t.json<{ timezone: string }>(['usage']);
      const budget = await t.json<{ timezone: string }>(['budget', 'status']);
      assert.deepEqual([usage.timezone, budget.timezone], [ZONE, ZONE]);
    });
  },
);
