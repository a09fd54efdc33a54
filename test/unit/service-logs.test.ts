/** The log use case of the agent's routes and of `vigil logs` without an agent: installed services only. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { serviceLogs } from '../../agent/app/service-logs.js';
import type { LogReader } from '../../agent/ports/log-reader.js';
import type { Store } from '../../agent/ports/store.js';
import type { VigilError } from '../../agent/core/errors.js';

const reader = {} as LogReader;

function storeWith(...names: string[]): Store {
  return { listServices: () => names.map((name) => ({ name })) } as unknown as Store;
}

describe('serviceLogs', () => {
  it('hands the reader the installed services, read from the database on each check and released after it', () => {
    let installed: ((service: string) => boolean) | null = null;
    let names = ['web'];
    let released = 0;
    const got = serviceLogs({
      open: (known) => ((installed = known), reader),
      store: () => storeWith(...names),
      release: () => released++,
    });
    assert.equal(got, reader);
    assert.equal(installed!('web'), true);
    assert.equal(installed!('api'), false);
    names = ['web', 'api'];
    assert.equal(installed!('api'), true, 'read again: a service installed since counts');
    assert.equal(released, 3, 'the database is released after every check');
  });

  it('no database: no service has a log to show (and the release still runs)', () => {
    let installed: ((service: string) => boolean) | null = null;
    let released = 0;
    serviceLogs({
      open: (known) => ((installed = known), reader),
      store: () => null,
      release: () => released++,
    });
    assert.equal(installed!('web'), false);
    assert.equal(released, 1);
  });

  it('a failing database read is released too', () => {
    let installed: ((service: string) => boolean) | null = null;
    let released = 0;
    serviceLogs({
      open: (known) => ((installed = known), reader),
      store: () => {
        throw new Error('locked');
      },
      release: () => released++,
    });
    assert.throws(() => installed!('web'), /locked/);
    assert.equal(released, 1);
  });
});

describe('serviceLogs of a replicated service', () => {
  it('names the instances to ask for instead of calling the service unknown', () => {
    let installed: ((service: string) => boolean) | null = null;
    serviceLogs({
      open: (known) => ((installed = known), reader),
      store: () => storeWith('db', 'worker@1', 'worker@2'),
    });
    assert.equal(installed!('worker@2'), true);
    assert.throws(
      () => installed!('worker'),
      (e: VigilError) =>
        e.code === 'E_UNKNOWN_SERVICE' &&
        /2 replicas, each with its own log: .*worker@1, worker@2/.test(e.message),
    );
    assert.equal(installed!('work'), false, 'a name that is no group stays simply unknown');
  });
});
