#!/usr/bin/env node
// Draws the tray and app icons into resources/ (run once; the PNGs are committed). No dependencies:
// shapes as signed distances, 4×4 supersampling, a minimal PNG encoder on node:zlib.
//   tray-<state>Template.png (+@2x): macOS template images (black + alpha; the system tints them)
//   tray-<state>.png (+@2x): colour variants for Linux trays
//   icon.png (512×512): the application icon (electron-builder derives the platform formats)
import { deflateSync } from 'node:zlib';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const OUT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'resources');

const CRC = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
function png(w, h, rgba) {
  const raw = Buffer.alloc((w * 4 + 1) * h);
  for (let y = 0; y < h; y++) {
    raw[y * (w * 4 + 1)] = 0;
    rgba.copy(raw, y * (w * 4 + 1) + 1, y * w * 4, (y + 1) * w * 4);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8;
  ihdr[9] = 6; // RGBA
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// Shapes on a 16×16 design grid; inside(x, y) → true when the point is ink.
const circle = (cx, cy, r) => (x, y) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
const ring = (cx, cy, r1, r2) => (x, y) => {
  const d = (x - cx) ** 2 + (y - cy) ** 2;
  return d <= r1 * r1 && d >= r2 * r2;
};
const segment = (ax, ay, bx, by, r) => (x, y) => {
  const t = Math.max(
    0,
    Math.min(1, ((x - ax) * (bx - ax) + (y - ay) * (by - ay)) / ((bx - ax) ** 2 + (by - ay) ** 2)),
  );
  return (x - ax - t * (bx - ax)) ** 2 + (y - ay - t * (by - ay)) ** 2 <= r * r;
};
const union =
  (...fs) =>
  (x, y) =>
    fs.some((f) => f(x, y));
const minus = (a, b) => (x, y) => a(x, y) && !b(x, y);
function triangle(x, y) {
  // Rounded-ish triangle pointing up, 1.5 px stroke outline.
  const inTri = (px, py, inset) => {
    const top = 1.5 + inset * 1.6,
      base = 14.5 - inset;
    if (py < top || py > base) return false;
    const half = ((py - 1.5) / 13) * 7;
    return Math.abs(px - 8) <= half - inset * 1.1;
  };
  return inTri(x, y, 0) && !inTri(x, y, 1.7);
}

const SHAPES = {
  ok: union(ring(8, 8, 7, 5.2), circle(8, 8, 2.4)),
  warning: union(triangle, segment(8, 6.2, 8, 9, 0.9), circle(8, 11.3, 0.9)),
  down: minus(circle(8, 8, 7), union(segment(5.2, 5.2, 10.8, 10.8, 1.1), segment(10.8, 5.2, 5.2, 10.8, 1.1))),
};
const COLOURS = { ok: [46, 158, 91], warning: [224, 162, 26], down: [214, 69, 69] };

function render(shape, size, colour) {
  const buf = Buffer.alloc(size * size * 4);
  const s = 16 / size;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let hit = 0;
      for (let sy = 0; sy < 4; sy++)
        for (let sx = 0; sx < 4; sx++) if (shape((px + (sx + 0.5) / 4) * s, (py + (sy + 0.5) / 4) * s)) hit++;
      const i = (py * size + px) * 4;
      buf[i] = colour[0];
      buf[i + 1] = colour[1];
      buf[i + 2] = colour[2];
      buf[i + 3] = Math.round((hit / 16) * 255);
    }
  }
  return png(size, size, buf);
}

function appIcon(size) {
  const buf = Buffer.alloc(size * size * 4);
  const eye = SHAPES.ok;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      const i = (py * size + px) * 4;
      const u = (px + 0.5) / size,
        v = (py + 0.5) / size;
      // Rounded square background (radius 22 %), green gradient; the eye in white.
      const r = 0.22,
        dx = Math.max(Math.abs(u - 0.5) - (0.5 - r), 0),
        dy = Math.max(Math.abs(v - 0.5) - (0.5 - r), 0);
      const inside = dx * dx + dy * dy <= r * r * 0.98;
      if (!inside) continue;
      const g = 1 - v * 0.25;
      const white = eye(8 + ((u - 0.5) * 16) / 0.62, 8 + ((v - 0.5) * 16) / 0.62);
      buf[i] = white ? 255 : Math.round(24 * g);
      buf[i + 1] = white ? 255 : Math.round(132 * g);
      buf[i + 2] = white ? 255 : Math.round(78 * g);
      buf[i + 3] = 255;
    }
  }
  return png(size, size, buf);
}

mkdirSync(OUT, { recursive: true });
for (const [name, shape] of Object.entries(SHAPES)) {
  writeFileSync(path.join(OUT, `tray-${name}Template.png`), render(shape, 16, [0, 0, 0]));
  writeFileSync(path.join(OUT, `tray-${name}Template@2x.png`), render(shape, 32, [0, 0, 0]));
  writeFileSync(path.join(OUT, `tray-${name}.png`), render(shape, 16, COLOURS[name]));
  writeFileSync(path.join(OUT, `tray-${name}@2x.png`), render(shape, 32, COLOURS[name]));
}
writeFileSync(path.join(OUT, 'icon.png'), appIcon(512));
console.log(`wrote tray and app icons to ${OUT}`);
