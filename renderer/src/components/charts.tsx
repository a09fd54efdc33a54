/** Charts drawn as SVG with CSS classes for colour (no inline styles, no chart library). */
import type { ReactNode } from 'react';

function path(values: readonly (number | null)[], w: number, h: number, max: number): string {
  const n = values.length;
  if (n === 0) return '';
  const step = n === 1 ? 0 : w / (n - 1);
  let d = '';
  let pen = false;
  values.forEach((v, i) => {
    if (v === null) {
      pen = false;
      return;
    }
    const x = (i * step).toFixed(1);
    const y = (h - 1 - (Math.min(v, max) / max) * (h - 2)).toFixed(1);
    d += `${pen ? 'L' : 'M'}${x},${y}`;
    pen = true;
  });
  return d;
}

/** A small line chart with an accessible label stating the latest value. */
export function Sparkline({
  values,
  label,
  max,
  width = 96,
  height = 24,
  kind,
}: {
  values: readonly (number | null)[];
  label: string;
  max?: number;
  width?: number;
  height?: number;
  kind: 'cpu' | 'mem';
}) {
  const known = values.filter((v): v is number => v !== null);
  const top = max ?? Math.max(1, ...known) * 1.15;
  return (
    <svg
      className={`spark spark-${kind}`}
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={label}
    >
      {known.length > 1 ? (
        <path d={path(values, width, height, top)} />
      ) : (
        <line x1="0" x2={width} y1={height - 1} y2={height - 1} className="spark-empty" />
      )}
    </svg>
  );
}

/** A horizontal gauge: value against a limit (budget), with tone by share. */
export function Meter({
  value,
  limit,
  label,
  children,
}: {
  value: number;
  limit: number | null;
  label: string;
  children?: ReactNode;
}) {
  const share = limit && limit > 0 ? value / limit : null;
  const tone = share === null ? 'idle' : share >= 1 ? 'bad' : share >= 0.8 ? 'warn' : 'ok';
  const pct = share === null ? 0 : Math.min(100, share * 100);
  return (
    <div className="meter-wrap">
      <svg
        className={`meter tone-${tone}`}
        viewBox="0 0 100 8"
        preserveAspectRatio="none"
        role="meter"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={limit ?? undefined}
        aria-valuenow={value}
      >
        <rect className="meter-track" x="0" y="0" width="100" height="8" />
        <rect className="meter-fill" x="0" y="0" width={pct} height="8" />
        {share !== null && share < 1 && <line className="meter-mark" x1="80" x2="80" y1="0" y2="8" />}
      </svg>
      {children}
    </div>
  );
}

export interface Stack {
  label: string;
  parts: readonly { key: string; value: number }[];
}

/** Vertical bars, stacked by key; each key gets a palette class (series-0 …) shared with the legend. */
export function StackedBars({
  stacks,
  keys,
  height = 160,
  label,
  format,
}: {
  stacks: readonly Stack[];
  keys: readonly string[];
  height?: number;
  label: string;
  format: (v: number) => string;
}) {
  const max = Math.max(0, ...stacks.map((s) => s.parts.reduce((a, p) => a + p.value, 0)));
  const scale = max > 0 ? max : 1;
  const w = 10;
  const gap = 3;
  const width = stacks.length * (w + gap);
  const first = stacks[0]?.label;
  const last = stacks[stacks.length - 1]?.label;
  return (
    <figure className="stacked">
      <div className="axis-max">{format(max)}</div>
      <svg
        viewBox={`0 0 ${Math.max(width, 1)} ${height}`}
        preserveAspectRatio="none"
        role="img"
        aria-label={label}
        className="stacked-svg"
      >
        {stacks.map((s, i) => {
          let y = height;
          const total = s.parts.reduce((a, p) => a + p.value, 0);
          return (
            <g key={s.label}>
              <title>{`${s.label}: ${format(total)}`}</title>
              {s.parts.map((p) => {
                const h = (p.value / scale) * (height - 4);
                y -= h;
                return (
                  <rect
                    key={p.key}
                    x={i * (w + gap)}
                    y={y}
                    width={w}
                    height={Math.max(0, h)}
                    className={`series-${keys.indexOf(p.key) % 8}`}
                  />
                );
              })}
            </g>
          );
        })}
      </svg>
      {first !== undefined && (
        <div className="axis" aria-hidden="true">
          <span>{first}</span>
          <span>{last}</span>
        </div>
      )}
      <figcaption className="legend">
        {keys.map((k, i) => (
          <span key={k} className="legend-item">
            <svg width="10" height="10" aria-hidden="true">
              <rect width="10" height="10" rx="2" className={`series-${i % 8}`} />
            </svg>
            {k}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
