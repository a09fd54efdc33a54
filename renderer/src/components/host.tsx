/** The host strip: CPU, memory, load, free space where VIGIL_HOME lives, uptime and (macOS) power source. */
import { useEffect } from 'react';
import { useActions, useApp } from '../hooks.js';
import { hostFacts } from '../host-format.js';

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
