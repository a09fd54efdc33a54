import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FileSink, type SinkFs } from '../../agent/adapters/agent-log/file-sink.js';
import { createLogger } from '../../agent/adapters/agent-log/logger.js';

/** A file system whose disk can be filled: while `full`, writes fail with ENOSPC (or take only `room` bytes). */
function fakeDisk() {
  const state = { full: false, room: Infinity, code: 'ENOSPC', data: '' };
  const sinkFs: SinkFs = {
    writeSync(_fd, data) {
      if (state.full) {
        const take = Math.min(state.room, data.length);
        if (take === 0)
          throw Object.assign(new Error(`${state.code}: no space left on device, write`), {
            code: state.code,
          });
        state.room -= take;
        state.data += Buffer.from(data.subarray(0, take)).toString('utf8');
        return take;
      }
      state.data += Buffer.from(data).toString('utf8');
      return data.length;
    },
  };
  return { state, sinkFs };
}

const parse = (text: string) =>
  text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

test('a full disk: writes never throw, lines are counted, and the log resumes with one note', () => {
  const { state, sinkFs } = fakeDisk();
  const sink = new FileSink({
    fd: 99,
    file: '/x/vigil-agent.log',
    name: 'vigil-agent',
    fs: sinkFs,
    now: () => 1_800_000_000_000,
  });
  assert.equal(sink.write('{"msg":"before"}\n'), true);
  state.full = true;
  state.room = 0;
  assert.doesNotThrow(() => sink.write('{"msg":"lost 1"}\n'));
  sink.write('{"msg":"lost 2"}\n{"msg":"lost 3"}\n');
  assert.deepEqual(sink.stats(), { dropping: 3, droppedTotal: 3, lastError: 'ENOSPC' });
  state.full = false;
  sink.write('{"msg":"after"}\n');
  sink.write('{"msg":"later"}\n');
  const lines = parse(state.data);
  assert.deepEqual(
    lines.map((l) => l.msg),
    ['before', 'dropped 3 log lines while the disk was full', 'after', 'later'],
  );
  assert.equal(lines[1]!.level, 40);
  assert.equal(lines[1]!.name, 'vigil-agent');
  assert.equal(lines[1]!.dropped, 3);
  assert.deepEqual(sink.stats(), { dropping: 0, droppedTotal: 3, lastError: null });
});

test('a line torn by the disk filling mid-write is counted, and the note starts on a line of its own', () => {
  const { state, sinkFs } = fakeDisk();
  const sink = new FileSink({ fd: 99, file: '/x/a.log', fs: sinkFs });
  state.full = true;
  state.room = 5;
  sink.write('{"msg":"torn"}\n');
  assert.equal(sink.stats().dropping, 1);
  state.full = false;
  sink.write('{"msg":"next"}\n');
  const [torn, note, next] = state.data.split('\n');
  assert.equal(torn, '{"msg');
  assert.equal((JSON.parse(note!) as { msg: string }).msg, 'dropped 1 log lines while the disk was full');
  assert.equal((JSON.parse(next!) as { msg: string }).msg, 'next');
});

test('the note is retried while the disk stays full, and says which error when it was not ENOSPC', () => {
  const { state, sinkFs } = fakeDisk();
  const sink = new FileSink({ fd: 99, file: '/x/a.log', fs: sinkFs });
  state.full = true;
  state.room = 0;
  state.code = 'EIO';
  sink.write('{"msg":"a"}\n');
  sink.write('{"msg":"b"}\n');
  assert.equal(state.data, '');
  state.full = false;
  sink.write('{"msg":"c"}\n');
  assert.deepEqual(
    parse(state.data).map((l) => l.msg),
    ['dropped 2 log lines: cannot write /x/a.log (EIO)', 'c'],
  );
});

test('real ENOSPC from the kernel (/dev/full): logger.error() through the sink does not throw', () => {
  const fd = fs.openSync('/dev/full', 'w');
  try {
    const sink = new FileSink({ fd, file: '/dev/full', name: 'vigil-agent' });
    const log = createLogger({ destination: sink as unknown as NodeJS.WritableStream, name: 'vigil-agent' });
    assert.doesNotThrow(() => log.error({ err: new Error('boom') }, 'cannot write'));
    assert.doesNotThrow(() => log.info('again'));
    assert.deepEqual(sink.stats(), { dropping: 2, droppedTotal: 2, lastError: 'ENOSPC' });
  } finally {
    fs.closeSync(fd);
  }
});

test('createLogger on a file path writes through the sink (lines land synchronously)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-sink-'));
  try {
    const file = path.join(dir, 'agent.log');
    createLogger({ destination: file, name: 'vigil-agent' }).info('one');
    assert.deepEqual(
      parse(fs.readFileSync(file, 'utf8')).map((l) => l.msg),
      ['one'],
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
