/** LOCAL_ZONE: the machine's zone by Date's getters must tell the same local time as Intl with its IANA name. */
import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { Calendar, LOCAL_ZONE, systemTimeZone, zoneName } from '../../agent/core/usage/tz.js';
import { inWindow, lastOccurrence, msOfDay } from '../../agent/core/alerts/clock-time.js';

const saved = process.env.TZ;
afterEach(() => {
  if (saved === undefined) delete process.env.TZ;
  else process.env.TZ = saved;
});

// Every 7 minutes 13 seconds through the spring-forward and fall-back weekends of 2026 (EU and US), and a normal day.
const moments = [
  Date.UTC(2026, 2, 7),
  Date.UTC(2026, 2, 28),
  Date.UTC(2026, 9, 24),
  Date.UTC(2026, 10, 1),
  Date.UTC(2026, 5, 15),
].flatMap((start) => Array.from({ length: 3 * 24 * 8 }, (_, i) => start + i * 433_000));

describe('LOCAL_ZONE', () => {
  for (const tz of ['Europe/Paris', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe', 'UTC']) {
    it(`equals Intl in ${tz}, through DST changes`, () => {
      process.env.TZ = tz; // Node resets the process's zone when TZ is assigned
      const canonical = new Intl.DateTimeFormat('en-US', { timeZone: tz }).resolvedOptions().timeZone; // Kolkata → Calcutta
      assert.equal(zoneName(LOCAL_ZONE), canonical);
      assert.equal(systemTimeZone(), canonical);
      const local = new Calendar(LOCAL_ZONE);
      const named = new Calendar(tz);
      for (const ms of moments) {
        assert.deepEqual(local.local(ms), named.local(ms), new Date(ms).toISOString());
        assert.equal(msOfDay(ms, LOCAL_ZONE), msOfDay(ms, tz), new Date(ms).toISOString());
      }
      const at = moments[100]!;
      assert.equal(inWindow(at, '22:00', '07:00', LOCAL_ZONE), inWindow(at, '22:00', '07:00', tz));
      assert.equal(lastOccurrence(at, '07:30', LOCAL_ZONE), lastOccurrence(at, '07:30', tz));
    });
  }

  it('names an explicit zone as itself, and is not a valid zone for the manifest', () => {
    assert.equal(zoneName('Europe/Paris'), 'Europe/Paris');
    assert.throws(() => new Intl.DateTimeFormat('en-US', { timeZone: LOCAL_ZONE }), RangeError);
  });
});
