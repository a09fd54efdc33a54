/** The D-Bus codec of the unit subscription: method calls as the bus reads them, headers, unit paths. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  MessageType,
  decodeMessages,
  encodeCall,
  pathOfUnit,
  socketOfAddress,
  unitOfPath,
} from '../../agent/adapters/systemd/dbus-wire.js';

describe('D-Bus wire', () => {
  it('encodes a method call with string arguments byte for byte as the specification lays it out', () => {
    const m = encodeCall(7, {
      destination: 'org.freedesktop.DBus',
      path: '/org/freedesktop/DBus',
      interface: 'org.freedesktop.DBus',
      member: 'AddMatch',
      args: ["type='signal'"],
    });
    assert.equal(m[0], 0x6c);
    assert.equal(m[1], MessageType.MethodCall);
    assert.equal(m[3], 1, 'protocol version');
    assert.equal(m.readUInt32LE(4), 4 + 13 + 1, 'body: one string (length, bytes, NUL)');
    assert.equal(m.readUInt32LE(8), 7, 'serial');
    const fields = m.readUInt32LE(12);
    const bodyAt = (16 + fields + 7) & ~7;
    assert.equal(bodyAt % 8, 0, 'the body starts on an 8-byte boundary');
    assert.equal(m.length, bodyAt + 18);
    assert.equal(m.readUInt32LE(bodyAt), 13);
    assert.equal(m.toString('utf8', bodyAt + 4, bodyAt + 17), "type='signal'");
    // Its own header reads back (the decoder walks the same fields).
    const { messages, rest } = decodeMessages(m);
    assert.equal(rest.length, 0);
    assert.deepEqual(
      { ...messages[0], sender: null },
      {
        type: MessageType.MethodCall,
        serial: 7,
        path: '/org/freedesktop/DBus',
        interface: 'org.freedesktop.DBus',
        member: 'AddMatch',
        errorName: null,
        replySerial: null,
        sender: null,
      },
    );
  });

  it('splits whole messages off a stream and keeps a partial one for the next chunk', () => {
    const a = encodeCall(1, { destination: 'd', path: '/a', interface: 'i.x', member: 'M' });
    const b = encodeCall(2, { destination: 'd', path: '/b', interface: 'i.x', member: 'N', args: ['x'] });
    const stream = Buffer.concat([a, b]);
    const first = decodeMessages(stream.subarray(0, a.length + 10));
    assert.deepEqual(
      first.messages.map((x) => x.path),
      ['/a'],
    );
    assert.equal(first.rest.length, 10);
    const second = decodeMessages(Buffer.concat([first.rest, stream.subarray(a.length + 10)]));
    assert.deepEqual(
      second.messages.map((x) => [x.serial, x.member]),
      [[2, 'N']],
    );
    assert.throws(() => decodeMessages(Buffer.from('B'.repeat(16))), /little-endian/);
  });

  it('escapes and unescapes unit object paths as systemd does', () => {
    assert.equal(pathOfUnit('vigil-web.service'), '/org/freedesktop/systemd1/unit/vigil_2dweb_2eservice');
    assert.equal(pathOfUnit('1a.service'), '/org/freedesktop/systemd1/unit/_31a_2eservice');
    assert.equal(
      unitOfPath('/org/freedesktop/systemd1/unit/vigil_2dweb_2d2_2eservice'),
      'vigil-web-2.service',
    );
    assert.equal(unitOfPath('/org/freedesktop/systemd1'), null);
  });

  it('finds the Unix socket of a bus address', () => {
    assert.equal(socketOfAddress('unix:path=/run/user/1000/bus'), '/run/user/1000/bus');
    assert.equal(socketOfAddress('unix:path=/tmp/a%20b,guid=0123'), '/tmp/a b');
    assert.equal(socketOfAddress('tcp:host=x,port=1;unix:abstract=/tmp/dbus-X'), '\0/tmp/dbus-X');
    assert.equal(socketOfAddress('tcp:host=x,port=1'), null);
  });
});
