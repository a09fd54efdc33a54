/** The host strip's facts for people (pure, so node tests check them without React). */
import { bytes, percent, uptimeText } from './format.js';
import type { HostDoc } from './store/types.js';

export interface HostFact {
  id: string;
  label: string;
  value: string;
  title?: string;
}

export function hostFacts(h: HostDoc): HostFact[] {
  const used = h.memory.totalBytes - h.memory.availableBytes;
  const facts: HostFact[] = [
    { id: 'cpu', label: 'CPU', value: percent(h.cpu.percent), title: `${h.cpu.cores} cores` },
    {
      id: 'memory',
      label: 'Memory',
      value: `${bytes(used)} of ${bytes(h.memory.totalBytes)}`,
      title: `${h.memory.usedPercent} % in use`,
    },
  ];
  if (h.load)
    facts.push({
      id: 'load',
      label: 'Load',
      value: h.load.map((x) => x.toFixed(2)).join(' '),
      title: '1, 5 and 15 minutes',
    });
  facts.push(
    h.disk
      ? {
          id: 'disk',
          label: 'Disk free',
          value: bytes(h.disk.freeBytes),
          title: `of ${bytes(h.disk.totalBytes)} on ${h.disk.path}`,
        }
      : { id: 'disk', label: 'Disk free', value: '—', title: 'statfs failed' },
    { id: 'uptime', label: 'Up', value: uptimeText(h.uptimeSec) },
  );
  if (h.power)
    facts.push({
      id: 'power',
      label: 'Power',
      value:
        h.power.source === 'battery'
          ? `Battery${h.power.batteryPercent === null ? '' : ` ${h.power.batteryPercent} %`}`
          : `Mains${h.power.charging ? ', charging' : ''}`,
    });
  return facts;
}
