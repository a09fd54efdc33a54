/** `vigil doctor`'s metrics check: the services whose metrics.url the agent cannot scrape (their metric alert rules see no data). */
import type { ServiceStatus } from '../../core/status.js';
import type { Check } from './doctor.js';

export function metricsScrapeCheck(services: readonly ServiceStatus[]): Check {
  const scraped = services.filter((s) => s.metricsScrape);
  const failing = scraped.filter((s) => s.metricsScrape!.ok === false);
  if (failing.length > 0) {
    const what = failing
      .map((s) => `${s.name} (${s.metricsScrape!.error ?? 'no answer'}, at ${s.metricsScrape!.at})`)
      .join('; ');
    return {
      name: 'metrics scrape',
      level: 'warn',
      message: `failing for ${what}: their metric alert rules see no data`,
      fix: 'check that each service serves its metrics.url (curl it), or correct metrics.url and vigil apply',
    };
  }
  if (scraped.length === 0)
    return {
      name: 'metrics scrape',
      level: 'ok',
      message: 'no service is scraped for metric alert rules yet',
    };
  return {
    name: 'metrics scrape',
    level: 'ok',
    message: `scraped: ${scraped.map((s) => s.name).join(', ')}`,
  };
}
