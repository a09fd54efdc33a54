/** The host strip: CPU, memory, load, free space where VIGIL_HOME lives, uptime and (macOS) power source. */
import { useEffect } from 'react';
import { useActions, useApp } from '../hooks.js';
import { bytes, percent, uptimeText } from '../format.js';
import type { HostDoc } from '../store/types.js';

/** How often the strip asks while it is on screen. */
export const HOST_REFRESH_MS = 5_000;

function Fact({ label, value, title, id }: { label: string; value: string; title?: string; id: string }) {
  return (
    <div className="host-fact" title={title} data-testid={`host-${id}`}>
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}

interface HostFact {
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

export function HostStrip() {
  const host = useApp((s) => s.host);
  const state = useApp((s) => s.hostState);
  const { loadHost } = useActions();
  useEffect(() => {
    void loadHost();
    const t = setInterval(() => void loadHost(), HOST_REFRESH_MS);
    return () => clearInterval(t);
  }, [loadHost]);
  if (state.kind === 'unavailable' || host === null) return null;
  return (
    <section className="host-strip" aria-label={`This machine: ${host.hostname}`} data-testid="host-strip">
      <span className="host-name">{host.hostname}</span>
      <dl>
        {hostFacts(host).map((f) => (
          <Fact key={f.id} {...f} />
        ))}
      </dl>
    </section>
  );
}
