/**
 * The one-line title of a notice made from a usage event (budget, spend spike, runaway). Titles keep
 * their colons ("Spend this hour (06:00) is $16.00", "Daily budget 2026-12-02: $8.00 of $10.00 spent"):
 * each message's lead is cut at a separator its own format puts there, never at a colon that a time, a
 * label or a model name ("llama3:8b") may hold. Pure.
 */
import type { EventType } from '../events.js';

const LEAD_ENDS: Partial<Record<EventType, string>> = {
  'spend-spike': ', ',
  'budget-threshold': ' (',
  'budget-stopped': ' (',
  runaway: ' looks like a runaway',
  'unpriced-model': ' has no known price',
};

const MAX = 120;

export function noticeTitle(type: EventType, message: string): string {
  const end = LEAD_ENDS[type];
  const at = end === undefined ? -1 : message.indexOf(end);
  // A lead that names itself (runaway, unpriced model) keeps its ending; the others end before it.
  const keep = end !== undefined && !end.startsWith(',') && !end.startsWith(' (');
  const lead = at > 0 ? message.slice(0, keep ? at + end!.length : at) : message;
  return lead.length > MAX ? `${lead.slice(0, MAX - 1)}…` : lead;
}
