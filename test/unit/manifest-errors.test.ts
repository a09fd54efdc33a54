/** parseManifest on invalid manifests: every problem located by file, line and key path, all at once. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EXIT_USAGE, formatProblem } from '../../agent/core/errors.js';
import { FILE, onlyProblem, parse, problems, reject, yaml } from '../helpers/manifest.js';

/** A manifest with one service `w` whose body is the given lines (starting at line 3). */
const svc = (...body: string[]) => yaml('services:', '  w:', ...body);

describe('parseManifest: empty and invalid YAML', () => {
  it('rejects an empty file, and one with only comments, at line 1', () => {
    for (const text of ['', '\n\n', '# just a comment\n', '---\n']) {
      const err = reject(text);
      assert.equal(err.code, 'E_MANIFEST_INVALID');
      assert.deepEqual(problems(text), [[1, '', 'the manifest is empty; expected a "services:" map']]);
    }
  });

  it('reports a YAML syntax error with its line', () => {
    const err = reject(yaml('services:', '  w:', '    command: [python3', '    cwd: /x'));
    assert.equal(err.code, 'E_MANIFEST_YAML');
    assert.equal(err.problems[0]!.line, 4);
    assert.match(err.problems[0]!.message, /^invalid YAML: /);
  });

  it('places an error found only at the end of the text on its last line, not past it', () => {
    const p = reject(yaml('services:', '  w:', '    command: [python3')).problems[0]!;
    assert.equal(p.line, 3);
  });

  it('rejects duplicate keys, each at the line of the repeated key', () => {
    const err = reject(
      yaml('services:', '  w:', '    command: [a]', '    cwd: /a', '    cwd: /b', '  w:', '    command: [b]'),
    );
    assert.equal(err.code, 'E_MANIFEST_YAML');
    assert.deepEqual(
      err.problems.map((p) => [p.line, p.message]),
      [
        [5, 'invalid YAML: duplicate key'],
        [6, 'invalid YAML: duplicate key'],
      ],
    );
  });

  it('rejects several YAML documents in one file', () => {
    const p = onlyProblem(yaml('services: {}', '---', 'services: {}'));
    assert.equal(p.line, 2);
    assert.match(p.message, /multiple documents/);
  });
});

describe('parseManifest: the top level', () => {
  it('requires a map with services', () => {
    assert.deepEqual(problems(yaml('- web', '- db')), [[1, '', 'must be a map, not a list']]);
    assert.deepEqual(problems(yaml('version: 1')), [[1, 'services', 'is required']]);
    assert.deepEqual(problems(yaml('# header', 'services:')), [[2, 'services', 'must be a map, not empty']]);
    assert.deepEqual(problems(yaml('services: [web]')), [[1, 'services', 'must be a map, not a list']]);
  });

  it('accepts only version 1 and no unknown top-level key', () => {
    assert.deepEqual(problems(yaml('services: {}', 'version: 2', 'servics: {}')), [
      [2, 'version', 'must be 1'],
      [3, 'servics', 'unknown key'],
    ]);
  });

  it('still checks the services when the top level has problems', () => {
    assert.deepEqual(problems(yaml('version: 2', 'services:', '  w:', '    cwd: /x')), [
      [1, 'version', 'must be 1'],
      [3, 'services.w.command', 'is required'],
    ]);
  });
});

describe('parseManifest: service names', () => {
  const named = (name: string) =>
    onlyProblem(yaml('services:', '  ok:', '    command: [x]', `  ${name}:`, '    command: [x]'));

  it('rejects a name that does not match [a-z0-9][a-z0-9-]{0,47}, at the line of the name', () => {
    for (const name of [
      'Web',
      'my_svc',
      '-web',
      'web.1',
      'wéb',
      `a${'b'.repeat(48)}`,
      '""',
      '~',
      '__proto__',
    ]) {
      const p = named(name);
      assert.equal(p.line, 4, name);
      assert.equal(p.column, 3, name);
      assert.equal(p.message, 'service name must match [a-z0-9][a-z0-9-]{0,47}', name);
    }
    assert.equal(named('Web').path, 'services.Web');
    assert.equal(named('~').path, 'services.""');
  });

  it('reserves "agent" for Vigil itself', () => {
    const p = named('agent');
    assert.deepEqual([p.line, p.path], [4, 'services.agent']);
    assert.match(p.message, /"agent" is reserved/);
  });
});

describe('parseManifest: command', () => {
  it('rejects a shell string with a clear message that shows the argv form', () => {
    const p = onlyProblem(svc('    cwd: /x', '    command: python3 -m app --port 80'));
    assert.deepEqual([p.line, p.column, p.path], [4, 5, 'services.w.command']);
    assert.equal(
      p.message,
      'must be a list of arguments (argv), not a shell string; write it as [python3, -m, app, --port, 80]',
    );
  });

  it('requires a command, reported at the line of the service', () => {
    const p = onlyProblem(yaml('services:', '  other:', '    command: [x]', '  w:', '    cwd: /x'));
    assert.deepEqual([p.line, p.path, p.message], [4, 'services.w.command', 'is required']);
  });

  it('requires a program, a non-empty one, and arguments without NUL (a line break is fine)', () => {
    assert.deepEqual(problems(svc('    command: []')), [
      [3, 'services.w.command', 'must name at least the program to run'],
    ]);
    assert.deepEqual(problems(svc('    command: ["", x]')), [
      [3, 'services.w.command[0]', 'the program must not be empty'],
    ]);
    const script = parse(
      svc('    command:', '      - sh', '      - -c', '      - "set -e\\n  echo a\\r\\nexit 0\\n"'),
    );
    assert.deepEqual(script.manifest.services[0]!.command, [
      '/usr/bin/sh',
      '-c',
      'set -e\n  echo a\r\nexit 0\n',
    ]);
    assert.deepEqual(problems(svc('    command:', '      - x', '      - "a\\0b"')), [
      [5, 'services.w.command[1]', 'must not contain a NUL byte'],
    ]);
    assert.deepEqual(problems(svc('    command: [x, [y]]')), [
      [3, 'services.w.command[1]', 'must be a string, not a list'],
    ]);
  });

  it('refuses ~ and $VARIABLES in the program and in cwd (nothing expands them)', () => {
    assert.deepEqual(
      problems(svc('    command: [~/bin/agent]', '    cwd: $HOME/agent')).map(([line, p]) => [line, p]),
      [
        [3, 'services.w.command[0]'],
        [4, 'services.w.cwd'],
      ],
    );
    assert.match(onlyProblem(svc('    command: [$APP]')).message, /not expanded/);
  });
});

describe('parseManifest: all problems at once', () => {
  const text = yaml(
    'services:', //                              1
    '  Web:', //                                 2  bad name
    '    command: [x]', //                       3
    '  api:', //                                 4
    '    command: python app.py', //             5  shell string
    '    restart: { polcy: always }', //         6  unknown key
    '    limits: { memory: 2X, cpu: 200 }', //   7  bad memory (cpu 200 as a number is fine)
    '  a:', //                                   8
    '    command: [x]', //                       9
    '    dependsOn: [b, nope]', //               10 cycle, unknown service
    '  b:', //                                   11
    '    command: [missing-prog]', //            12 not on PATH
    '    dependsOn: [a]', //                     13
    '  agent:', //                               14 reserved
    '    health: { url: "ftp://x" }', //         15 bad URL; no command (line 14)
  );

  it('reports every problem, sorted by line, each with file, line, column and path', () => {
    const err = reject(text);
    assert.equal(err.code, 'E_MANIFEST_INVALID');
    assert.deepEqual(
      err.problems.map((p) => [p.line, p.path]),
      [
        [2, 'services.Web'],
        [5, 'services.api.command'],
        [6, 'services.api.restart.polcy'],
        [7, 'services.api.limits.memory'],
        [10, 'services.a.dependsOn[0]'],
        [10, 'services.a.dependsOn[1]'],
        [12, 'services.b.command[0]'],
        [14, 'services.agent'],
        [14, 'services.agent.command'],
        [15, 'services.agent.health.url'],
      ],
    );
    assert.match(err.problems[4]!.message, /dependency cycle: a → b → a/);
    for (const p of err.problems) {
      assert.equal(p.file, FILE);
      assert.equal(typeof p.column, 'number');
    }
  });

  it('is a usage error whose message lists one problem per line as file:line:column: path: message', () => {
    const err = reject(text);
    assert.equal(err.exitCode, EXIT_USAGE);
    const lines = err.message.split('\n');
    assert.equal(lines.length, 10);
    assert.equal(lines[2], `${FILE}:6:16: services.api.restart.polcy: unknown key`);
    assert.deepEqual(lines, err.problems.map(formatProblem));
    assert.deepEqual(err.details, { problems: err.problems });
  });
});
