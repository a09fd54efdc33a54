/** The leak guard over encodings: each form a program can print a secret in is redacted (redact.ts, encodings.ts, decode.ts). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRedactor, type LeakHit, type SecretRef } from '../../agent/core/credentials/redact.js';
import { base64Inner, guardedPrefix, secretForms } from '../../agent/core/credentials/encodings.js';
import { decodeEscapes } from '../../agent/core/credentials/decode.js';
import { LiteralSet } from '../../agent/core/credentials/literal-set.js';

const ref = (set: string, key: string, value: string, version = 1, current = true): SecretRef => ({
  set,
  key,
  value,
  version,
  current,
});
const LABEL = '[redacted:t/K]';
const VALUE = 'sk-live-Abc123-def456-XYZ789'; // 28 characters: the prefix rule keeps 21
const one = (value: string) => createRedactor([ref('t', 'K', value)]);

/** `line` redacted leaves none of the value's characters: only the label where it was. */
function assertGone(value: string, printed: string, before = 'out: ', after = ' done') {
  const got = one(value)(`${before}${printed}${after}`);
  assert.ok(got.includes(LABEL), `not redacted: ${got}`);
  return got;
}

describe('leak guard: encodings', () => {
  it('the value as written, and in any letter case', () => {
    assert.equal(one(VALUE)(`key ${VALUE}!`), `key ${LABEL}!`);
    assert.equal(one(VALUE)(`key ${VALUE.toUpperCase()}!`), `key ${LABEL}!`);
    assert.equal(one(VALUE)(`key ${VALUE.toLowerCase()}!`), `key ${LABEL}!`);
  });

  it('a hex key in upper, lower or mixed case', () => {
    const hexKey = '9f86d081884c7d659a2feaa0c55ad015';
    assert.equal(one(hexKey)(`k=${hexKey.toUpperCase()}`), `k=${LABEL}`);
    assert.equal(one(hexKey)(`k=9F86d081884C7D659a2feaa0c55AD015`), `k=${LABEL}`);
  });

  it('hex of the bytes, lower and upper case', () => {
    const hex = Buffer.from(VALUE).toString('hex');
    assert.equal(one(VALUE)(`dump ${hex} end`), `dump ${LABEL} end`);
    assert.equal(one(VALUE)(`dump ${hex.toUpperCase()} end`), `dump ${LABEL} end`);
  });

  it('base64 of the value alone (with its padding left over)', () => {
    const got = assertGone(VALUE, Buffer.from(VALUE).toString('base64'));
    // 28 bytes: 37 characters carry only the value's bits; the 38th mixes in the padding.
    assert.equal(got, `out: ${LABEL}Q== done`);
  });

  for (const o of [0, 1, 2]) {
    it(`base64 and base64url of a longer text with the value at offset ${o} mod 3`, () => {
      // Bytes whose base64 holds + and /, so the two alphabets differ.
      const value = `key\u00fb\u00ff\u00fe>>>??~~~${o}abc`;
      const text = Buffer.concat([
        Buffer.from('{"a":"'.slice(0, 3 + o)),
        Buffer.from(value),
        Buffer.from('","b":1}'),
      ]);
      for (const alphabet of ['base64', 'base64url'] as const) {
        const encoded = text.toString(alphabet);
        assert.ok(
          encoded.includes(base64Inner(Buffer.from(value), (3 + o) % 3, alphabet)),
          'the fixture puts the value where the test says',
        );
        const got = assertGone(value, encoded);
        // At most one character on each side mixes the value's bits with its neighbours'.
        assert.ok(
          got.length - LABEL.length <
            encoded.length - base64Inner(Buffer.from(value), (3 + o) % 3, alphabet).length + 12,
          got,
        );
      }
    });
  }

  it('JSON-escaped once and twice', () => {
    const value = 'p@ss "word"\\x-9';
    assert.equal(one(value)(JSON.stringify({ pw: value })), `{"pw":"${LABEL}"}`);
    const twice = JSON.stringify({ msg: JSON.stringify({ pw: value }) });
    assert.equal(
      one(value)(twice),
      JSON.stringify({ msg: JSON.stringify({ pw: LABEL }) }).replace(/\\\\\\"/g, '\\\\\\"'),
    );
    assert.ok(!one(value)(twice).includes('word'));
  });

  it('percent-encoding of any character: unreserved ones too, either case of hex digit, any mix', () => {
    assert.equal(one(VALUE)(`GET /?k=${VALUE.replace(/-/g, '%2D')}`), `GET /?k=${LABEL}`);
    assert.equal(one(VALUE)(`GET /?k=${VALUE.replace(/-/g, '%2d')}`), `GET /?k=${LABEL}`);
    const all = [...VALUE]
      .map((c, i) => `%${c.charCodeAt(0).toString(16)[i % 2 ? 'toUpperCase' : 'toLowerCase']()}`)
      .join('');
    assert.equal(one(VALUE)(`GET /?k=${all}&x=1`), `GET /?k=${LABEL}&x=1`);
    const some = [...VALUE].map((c, i) => (i % 3 ? c : `%${c.charCodeAt(0).toString(16)}`)).join('');
    assert.equal(one(VALUE)(`u=${some}`), `u=${LABEL}`);
  });

  it('a form-encoded query string: spaces as +', () => {
    const phrase = 'correct horse battery staple';
    assert.equal(one(phrase)(`POST body: pw=${phrase.replace(/ /g, '+')}&x=1`), `POST body: pw=${LABEL}&x=1`);
  });

  it('percent-encoded UTF-8 of a non-ASCII value', () => {
    const value = 'clé-secrète-ümlaut';
    assert.equal(one(value)(`q=${encodeURIComponent(value)}`), `q=${LABEL}`);
  });

  it('\\uXXXX escapes of any character (JSON, JavaScript)', () => {
    assert.equal(one(VALUE)(`{"k":"${VALUE.replace(/-/g, '\\u002D')}"}`), `{"k":"${LABEL}"}`);
  });

  it('the value minus its last characters, down to three quarters of it, in every form', () => {
    const r = one(VALUE);
    const keep = guardedPrefix(VALUE).length;
    assert.equal(keep, 21);
    for (let n = VALUE.length - 1; n >= keep; n--) {
      assert.equal(r(`k=${VALUE.slice(0, n)};`), `k=${LABEL};`, `minus ${VALUE.length - n}`);
      assert.ok(
        r(`k=${Buffer.from(VALUE.slice(0, n)).toString('base64')};`).includes(LABEL),
        `base64 minus ${VALUE.length - n}`,
      );
      assert.ok(
        r(`k=${Buffer.from(VALUE.slice(0, n)).toString('hex')};`).includes(LABEL),
        `hex minus ${VALUE.length - n}`,
      );
    }
    // Shorter than three quarters: not the value any more (and a vendor's shared prefix stays readable).
    assert.equal(r(`k=${VALUE.slice(0, keep - 1)};`), `k=${VALUE.slice(0, keep - 1)};`);
  });

  it('two values sharing a start: the longer match wins whichever comes first, nothing of it is left', () => {
    const r = createRedactor([
      ref('a', 'SHORT', 'shared-start-AAAA1'),
      ref('b', 'LONG', 'shared-start-AAAA2-and-a-long-tail'),
    ]);
    assert.equal(r('x shared-start-AAAA2-and-a-long-tail y'), 'x [redacted:b/LONG] y');
    assert.equal(r('x shared-start-AAAA1 y'), 'x [redacted:a/SHORT] y');
  });

  it('a hit in an encoding is reported like a plain one', () => {
    const hits: LeakHit[] = [];
    createRedactor([ref('t', 'K', VALUE, 3)])(Buffer.from(VALUE).toString('base64'), (h) => hits.push(h));
    assert.deepEqual(hits, [{ set: 't', key: 'K', version: 3, current: true }]);
  });

  it('ordinary text and short values are left alone', () => {
    const r = createRedactor([ref('t', 'K', VALUE), ref('t', 'PIN', '1234')]);
    const text = 'GET /v1/search?q=caf%C3%A9%20au%20lait status=200 pin 1234 aGVsbG8gd29ybGQ=';
    assert.equal(r(text), text);
  });

  it('a character whose lower case is longer (İ) does not shift where the label goes', () => {
    assert.equal(one(VALUE)(`İİ ${VALUE.toUpperCase()} İ`), `İİ ${LABEL} İ`);
  });

  it('forms are deduplicated and each is at least 8 characters', () => {
    const forms = secretForms('abcdefgh');
    assert.equal(new Set(forms.map((f) => f.text)).size, forms.length);
    assert.ok(forms.every((f) => f.min >= 8 && f.text.length >= f.min));
  });
});

describe('escape decoding', () => {
  it('maps each decoded unit back to where it starts', () => {
    const d = decodeEscapes('a%2Db\\u0041c')!;
    assert.equal(d.text, 'a-bAc');
    assert.deepEqual(d.starts, [0, 1, 4, 5, 11, 12]);
    assert.equal(decodeEscapes('no escapes 100% here'), null);
  });
});

describe('LiteralSet', () => {
  it('leftmost first, then the longest at that position, min respected', () => {
    const s = new LiteralSet([
      { text: 'abcdef', min: 4, id: 1 },
      { text: 'abcdefghij', min: 10, id: 2 },
      { text: 'zzzz', min: 4, id: 3 },
    ]);
    assert.deepEqual(s.scan('xx abcdefghij abcd abc zzzz'), [
      { start: 3, end: 13, id: 2 },
      { start: 14, end: 18, id: 1 },
      { start: 23, end: 27, id: 3 },
    ]);
  });
});

describe('leak guard: property (seeded random)', () => {
  let seed = 20261202;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  // Secrets without lower-case letters, text of lower-case letters only: a window of the secret found
  // in the output can only have come from the secret.
  const SECRET_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~!@#$+/=é';
  const TEXT_CHARS = 'abcdefghijklmnopqrstuvwxyz ';
  const pick = (chars: string, n: number) =>
    Array.from({ length: n }, () => chars[rnd(chars.length)]).join('');
  const B64RUN = /[A-Za-z0-9+/=_-]{4,}/g;

  it('500 random secrets inside base64 of longer text at random alignment: no 4 bytes of the secret survive decoding', () => {
    for (let i = 0; i < 500; i++) {
      const secret = pick(SECRET_CHARS, 8 + rnd(40));
      const text = `${pick(TEXT_CHARS, rnd(40))}${secret}${pick(TEXT_CHARS, rnd(40))}`;
      const alphabet = rnd(2) ? 'base64' : 'base64url';
      const encoded = Buffer.from(text).toString(alphabet);
      const out = one(secret)(`payload=${encoded} end`);
      assert.ok(out.includes(LABEL), `case ${i}: not redacted`);
      const bytes = Buffer.from(secret);
      for (const run of out.match(B64RUN) ?? []) {
        for (let k = 0; k < 4; k++) {
          const decoded = Buffer.from(run.slice(k), alphabet);
          for (let w = 0; w + 4 <= bytes.length; w++)
            assert.ok(
              !decoded.includes(bytes.subarray(w, w + 4)),
              `case ${i}: bytes ${w}..${w + 4} of the secret survive in ${run}`,
            );
        }
      }
    }
  });

  it('500 random secrets in a random encoding, case and truncation: redacted', () => {
    const encodings: ReadonlyArray<(v: string) => string> = [
      (v) => v,
      (v) => v.toLowerCase(),
      (v) => Buffer.from(v).toString('hex'),
      (v) => Buffer.from(v).toString('hex').toUpperCase(),
      (v) => JSON.stringify(JSON.stringify(v)),
      (v) =>
        [...Buffer.from(v)]
          .map((b) => (rnd(2) ? `%${b.toString(16)}` : `%${b.toString(16).toUpperCase()}`))
          .join(''),
      (v) => encodeURIComponent(v),
    ];
    for (let i = 0; i < 500; i++) {
      const secret = pick(SECRET_CHARS, 8 + rnd(40));
      const cut = rnd(Array.from(secret).length - Array.from(guardedPrefix(secret)).length + 1);
      const shown = Array.from(secret)
        .slice(0, Array.from(secret).length - cut)
        .join('');
      const e = rnd(encodings.length);
      const out = one(secret)(
        `${pick(TEXT_CHARS, rnd(20))} ${encodings[e]!(shown)} ${pick(TEXT_CHARS, rnd(20))}`,
      );
      assert.ok(out.includes(LABEL), `case ${i} (encoding ${e}, minus ${cut}): ${out}`);
    }
  });
});

it("the pure base64/base64url encoder writes what Node's Buffer writes, at every length", async () => {
  const { toBase64, utf8 } = await import('../../agent/core/credentials/encodings.js');
  const { randomBytes } = await import('node:crypto');
  for (let n = 0; n < 64; n++) {
    const b = randomBytes(n);
    assert.equal(toBase64(b, 'base64'), b.toString('base64'));
    assert.equal(toBase64(b, 'base64url'), b.toString('base64url'));
  }
  assert.deepEqual([...utf8('é€😀')], [...Buffer.from('é€😀', 'utf8')]);
});
