/**
 * The tray icons in resources/, decoded (PNG on node:zlib, no dependency): macOS template images
 * (`tray-<state>Template.png` and `@2x`) are black with alpha, 16 and 32 px high, so the menu bar can
 * tint them; the Linux/Windows ones (`tray-<state>.png`, `@2x`) are in colour with alpha, one colour per
 * state. Every file the shell asks for (trayIconFile) exists.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { inflateSync } from 'node:zlib';
import { trayIconFile, type TrayIcon } from '../../electron/tray-menu.js';
import { ROOT } from '../helpers/vigil.js';

const RESOURCES = path.join(ROOT, 'resources');
const STATES: TrayIcon[] = ['ok', 'warning', 'down'];

interface Png {
  width: number;
  height: number;
  bitDepth: number;
  colourType: number;
  /** RGBA, 8 bits each, row by row. */
  pixels: Buffer;
}

const SIGNATURE = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);

/** Decodes an 8-bit RGBA, non-interlaced PNG (what scripts/make-icons.mjs writes); throws naming the file otherwise. */
function decodePng(file: string): Png {
  const buf = readFileSync(file);
  const name = path.basename(file);
  assert.ok(buf.subarray(0, 8).equals(SIGNATURE), `${name}: not a PNG`);
  let off = 8;
  let ihdr: Buffer | null = null;
  const idat: Buffer[] = [];
  while (off < buf.length) {
    const len = buf.readUInt32BE(off);
    const type = buf.toString('ascii', off + 4, off + 8);
    const data = buf.subarray(off + 8, off + 8 + len);
    if (type === 'IHDR') ihdr = data;
    else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    off += 12 + len;
  }
  assert.ok(ihdr, `${name}: no IHDR chunk`);
  const width = ihdr.readUInt32BE(0);
  const height = ihdr.readUInt32BE(4);
  const bitDepth = ihdr[8]!;
  const colourType = ihdr[9]!;
  assert.equal(bitDepth, 8, `${name}: bit depth`);
  assert.equal(colourType, 6, `${name}: colour type 6 (RGBA: colour with alpha)`);
  assert.equal(ihdr[12], 0, `${name}: not interlaced`);
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * 4;
  const pixels = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= 4 ? pixels[y * stride + x - 4]! : 0;
      const b = y > 0 ? pixels[(y - 1) * stride + x]! : 0;
      const c = x >= 4 && y > 0 ? pixels[(y - 1) * stride + x - 4]! : 0;
      const p = a + b - c;
      const pa = Math.abs(p - a);
      const pb = Math.abs(p - b);
      const pc = Math.abs(p - c);
      const paeth = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      const pred = [0, a, b, (a + b) >> 1, paeth][filter];
      assert.ok(pred !== undefined, `${name}: unknown filter ${filter} on row ${y}`);
      pixels[y * stride + x] = (line[x]! + pred) & 0xff;
    }
  }
  return { width, height, bitDepth, colourType, pixels };
}

function* rgba(png: Png): Generator<[number, number, number, number]> {
  for (let i = 0; i < png.pixels.length; i += 4)
    yield [png.pixels[i]!, png.pixels[i + 1]!, png.pixels[i + 2]!, png.pixels[i + 3]!];
}

/** The share of the image that is ink (alpha-weighted). */
const coverage = (png: Png): number => {
  let ink = 0;
  for (const [, , , a] of rgba(png)) ink += a / 255;
  return ink / (png.width * png.height);
};

/** The alpha-weighted mean colour of the ink. */
function meanColour(png: Png): [number, number, number] {
  let r = 0;
  let g = 0;
  let b = 0;
  let w = 0;
  for (const [pr, pg, pb, a] of rgba(png)) {
    r += pr * a;
    g += pg * a;
    b += pb * a;
    w += a;
  }
  return [r / w, g / w, b / w];
}

const load = (name: string): Png => decodePng(path.join(RESOURCES, name));

describe('tray icons', () => {
  for (const state of STATES) {
    test(`macOS template images for ${state}: black with alpha, 16 and 32 px`, () => {
      for (const [name, size] of [
        [`tray-${state}Template.png`, 16],
        [`tray-${state}Template@2x.png`, 32],
      ] as const) {
        const png = load(name);
        assert.deepEqual([png.width, png.height], [size, size], `${name}: size`);
        let transparent = 0;
        let opaque = 0;
        for (const [r, g, b, a] of rgba(png)) {
          if (a > 0) assert.deepEqual([r, g, b], [0, 0, 0], `${name}: a template image is black ink only`);
          if (a === 0) transparent++;
          if (a === 255) opaque++;
        }
        assert.ok(transparent > png.width * png.height * 0.3, `${name}: a transparent background`);
        assert.ok(opaque > 0, `${name}: some solid ink`);
      }
      const ratio =
        coverage(load(`tray-${state}Template@2x.png`)) / coverage(load(`tray-${state}Template.png`));
      assert.ok(
        ratio > 0.75 && ratio < 1.33,
        `@2x is the same drawing at double size (coverage ratio ${ratio})`,
      );
    });

    test(`Linux/Windows colour icons for ${state}: colour with alpha, 16 and 32 px`, () => {
      for (const [name, size] of [
        [`tray-${state}.png`, 16],
        [`tray-${state}@2x.png`, 32],
      ] as const) {
        const png = load(name);
        assert.deepEqual([png.width, png.height], [size, size], `${name}: size`);
        const pixels = [...rgba(png)];
        assert.ok(
          pixels.filter(([, , , a]) => a === 0).length > size * size * 0.3,
          `${name}: a transparent background`,
        );
        assert.ok(
          pixels.some(([r, g, b, a]) => a > 0 && (r !== g || g !== b)),
          `${name}: in colour (not grey)`,
        );
      }
    });
  }

  test('each state has its own colour', () => {
    const colours = STATES.map((s) => meanColour(load(`tray-${s}.png`)));
    for (let i = 0; i < colours.length; i++)
      for (let j = i + 1; j < colours.length; j++) {
        const d = Math.hypot(...colours[i]!.map((c, k) => c - colours[j]![k]!));
        assert.ok(d > 60, `${STATES[i]} and ${STATES[j]} look alike (${d.toFixed(0)} apart)`);
      }
  });

  test('every file the shell asks for exists, and resources/ holds no stray tray image', () => {
    const wanted = new Set<string>();
    for (const platform of ['darwin', 'linux', 'win32'] as const)
      for (const state of STATES) {
        const file = trayIconFile(state, platform);
        assert.ok(existsSync(path.join(RESOURCES, file)), `${platform}: ${file}`);
        wanted.add(file);
        wanted.add(file.replace(/\.png$/, '@2x.png'));
      }
    const present = readdirSync(RESOURCES).filter((f) => f.startsWith('tray-'));
    assert.deepEqual(present.sort(), [...wanted].sort());
    assert.match(trayIconFile('ok', 'darwin'), /Template\.png$/, 'macOS picks template images by name');
  });
});
