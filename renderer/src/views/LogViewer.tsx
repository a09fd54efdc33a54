/**
 * The log viewer: virtualized (only the visible rows exist in the DOM, so 100k lines scroll smoothly),
 * follow mode, search with highlights, level filter, redacted secrets shown as such.
 */
import { memo, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { flushSync } from 'react-dom';
import { useActions, useApp } from '../hooks.js';
import { LEVELS, filterLines, levelName, segments, visibleRange, type LogBuffer } from '../logs/lines.js';
import { Gate } from '../components/bits.js';

export const ROW_HEIGHT = 20;
const LINE_CHOICES = [1_000, 5_000, 20_000, 100_000] as const;

const Row = memo(function Row({
  buffer,
  index,
  query,
  version,
}: {
  buffer: LogBuffer;
  index: number;
  query: string;
  version: number;
}) {
  void version;
  const line = buffer.line(index);
  const lvl = levelName(buffer.level(index));
  return (
    <div className={`log-row${lvl ? ` lvl-${lvl}` : ''}`} role="listitem">
      <span className="log-no" aria-hidden="true">
        {index + 1}
      </span>
      <span className="log-text">
        {segments(line, query).map((s, i) =>
          s.kind === 'text' ? (
            s.text
          ) : s.kind === 'match' ? (
            <mark key={i}>{s.text}</mark>
          ) : (
            <span key={i} className="redacted" title={`A secret value (${s.label}) was hidden by Vigil`}>
              🔒 {s.label}
            </span>
          ),
        )}
      </span>
    </div>
  );
});

/** The virtualized list: its own component, so scrolling re-renders the visible rows and nothing else. */
const LogList = memo(function LogList({
  service,
  buffer,
  version,
  indices,
  query,
  following,
  pinned,
  setPinned,
}: {
  service: string;
  buffer: LogBuffer;
  version: number;
  indices: Int32Array | null;
  query: string;
  following: boolean;
  pinned: boolean;
  setPinned: (on: boolean) => void;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewport, setViewport] = useState(400);
  const count = indices === null ? buffer.length : indices.length;

  useLayoutEffect(() => {
    const el = scroller.current;
    if (el === null) return;
    setViewport(el.clientHeight);
    if (following && pinned) el.scrollTop = el.scrollHeight;
  }, [count, following, pinned, version]);

  // Scroll events come once per frame, before it is painted: render the new rows in that same frame.
  const onScroll = useCallback(() => {
    const el = scroller.current;
    if (el === null) return;
    flushSync(() => setScrollTop(el.scrollTop));
    setPinned(el.scrollTop + el.clientHeight >= el.scrollHeight - ROW_HEIGHT * 2);
  }, [setPinned]);

  const { start, end } = visibleRange(scrollTop, viewport, ROW_HEIGHT, count);
  const rows = [];
  for (let i = start; i < end; i++) {
    const idx = indices === null ? i : indices[i]!;
    rows.push(<Row key={idx} buffer={buffer} index={idx} query={query} version={version} />);
  }
  return (
    <div
      className="log-scroller"
      ref={scroller}
      onScroll={onScroll}
      tabIndex={0}
      aria-label={`Log of ${service}`}
      data-testid="log-scroller"
    >
      <div className="log-spacer" style={{ height: count * ROW_HEIGHT }}>
        <div className="log-window" role="list" style={{ transform: `translateY(${start * ROW_HEIGHT}px)` }}>
          {rows}
        </div>
      </div>
      {count === 0 && (
        <p className="muted log-empty">{buffer.length === 0 ? 'The log is empty.' : 'No line matches.'}</p>
      )}
    </div>
  );
});

export function LogViewer({ service }: { service: string }) {
  const buffer = useApp((s) => s.logBuffer);
  const version = useApp((s) => s.logVersion);
  const state = useApp((s) => s.logState);
  const following = useApp((s) => s.following);
  const followState = useApp((s) => s.followState);
  const filter = useApp((s) => s.logFilter);
  const search = useApp((s) => s.logSearch);
  const logLines = useApp((s) => s.logLines);
  const { openLogs, closeLogs, setFollow, setLogFilter, searchAllLogs, setLogLines } = useActions();
  const [pinned, setPinned] = useState(true);
  const [query, setQuery] = useState(filter.query);

  useEffect(() => {
    void openLogs(service);
    return () => closeLogs();
  }, [service, openLogs, closeLogs]);

  // Debounce typing into the search.
  useEffect(() => {
    const t = setTimeout(() => setLogFilter({ query }), 120);
    return () => clearTimeout(t);
  }, [query, setLogFilter]);

  const indices = useMemo(() => filterLines(buffer, filter), [buffer, version, filter]);
  const count = indices === null ? buffer.length : indices.length;

  return (
    <div className="logs">
      {state.kind !== 'unavailable' && (
        <div className="log-toolbar" role="toolbar" aria-label="Log tools">
          <label className="field grow">
            <span className="sr-only">Search the log</span>
            <input
              type="search"
              placeholder="Search (highlights and filters)"
              value={query}
              onChange={(e) => setQuery(e.target.value)}
              aria-describedby="log-count"
            />
          </label>
          <label className="field">
            <span>Level</span>
            <select
              value={filter.minLevel}
              onChange={(e) => setLogFilter({ minLevel: Number(e.target.value) })}
            >
              <option value={0}>All</option>
              {Object.entries(LEVELS).map(([name, n]) => (
                <option key={name} value={n}>
                  {name}+
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span>Lines</span>
            <select value={logLines} onChange={(e) => setLogLines(Number(e.target.value))}>
              {LINE_CHOICES.map((n) => (
                <option key={n} value={n}>
                  last {n.toLocaleString()}
                </option>
              ))}
            </select>
          </label>
          <label className="toggle">
            <input type="checkbox" checked={following} onChange={(e) => setFollow(e.target.checked)} />
            <span>Follow</span>
          </label>
          <span id="log-count" className="muted small" aria-live="polite">
            {filter.query || filter.minLevel
              ? `${count.toLocaleString()} of ${buffer.length.toLocaleString()} lines`
              : `${buffer.length.toLocaleString()} lines`}
            {following && followState === 'live'
              ? ' · following'
              : following && followState === 'reconnecting'
                ? ' · reconnecting'
                : ''}
          </span>
          <button
            type="button"
            onClick={() => void searchAllLogs(query)}
            disabled={query.trim() === ''}
            title="Search the current and rotated log files on the agent"
          >
            Search all files
          </button>
          <button type="button" onClick={() => void openLogs(service)}>
            Reload
          </button>
        </div>
      )}
      {search && (
        <p className="log-banner" role="status">
          {search.matches.toLocaleString()} line{search.matches === 1 ? '' : 's'} matching “{search.query}” in
          every log file
          {search.truncated ? ' (the most recent ones; there are more)' : ''}
          {search.timedOut ? ' (stopped at the time limit)' : ''}.{' '}
          <button type="button" onClick={() => setFollow(true)}>
            Back to the live log
          </button>
        </p>
      )}
      <Gate state={state} feature="Logs" onRetry={() => void openLogs(service)}>
        <LogList
          service={service}
          buffer={buffer}
          version={version}
          indices={indices}
          query={filter.query}
          following={following}
          pinned={pinned}
          setPinned={setPinned}
        />
        {following && !pinned && (
          <button type="button" className="jump" onClick={() => setPinned(true)}>
            Jump to the end
          </button>
        )}
      </Gate>
    </div>
  );
}
