// Draws Coffer's icon (a rounded square with a coffer-like keyhole) as a 512x512 PNG with no image
// library: `node scripts/make-icon.js build/icons/icon.png`. electron-builder derives .ico/.icns from it.
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const size = 512;
const pixels = Buffer.alloc(size * size * 4);
const inside = (x, y) => {
  const r = 96;
  const cx = Math.min(Math.max(x, r), size - 1 - r);
  const cy = Math.min(Math.max(y, r), size - 1 - r);
  return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
};
for (let y = 0; y < size; y += 1) {
  for (let x = 0; x < size; x += 1) {
    const i = (y * size + x) * 4;
    if (!inside(x, y)) continue;
    const t = (x + y) / (2 * size);
    let [r, g, b] = [Math.round(30 + 40 * t), Math.round(80 + 60 * t), Math.round(190 + 40 * t)];
    const dx = x - 256;
    const dy = y - 230;
    const ring = Math.hypot(dx, dy);
    const keyhole = ring < 52 || (Math.abs(dx) < 26 && y > 230 && y < 360);
    if (ring > 120 && ring < 150) [r, g, b] = [245, 247, 250];
    if (keyhole) [r, g, b] = [245, 247, 250];
    pixels.set([r, g, b, 255], i);
  }
}
const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc = (bytes) => {
  let c = 0xffffffff;
  for (const byte of bytes) c = crcTable[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
const chunk = (type, data) => {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const sum = Buffer.alloc(4);
  sum.writeUInt32BE(crc(body));
  return Buffer.concat([head, body, sum]);
};
const header = Buffer.alloc(13);
header.writeUInt32BE(size, 0);
header.writeUInt32BE(size, 4);
header.set([8, 6, 0, 0, 0], 8);
const rows = Buffer.alloc(size * (size * 4 + 1));
for (let y = 0; y < size; y += 1) pixels.copy(rows, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
writeFileSync(
  process.argv[2] ?? 'build/icons/icon.png',
  Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]),
);
