import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { deflateSync } from 'node:zlib';
import type { Page } from '@playwright/test';

/** A random file of `bytes` on disk, written in 1 MiB pieces. */
export async function randomFile(path: string, bytes: number): Promise<void> {
  const chunks: Buffer[] = [];
  for (let left = bytes; left > 0; left -= 1 << 20) chunks.push(randomBytes(Math.min(left, 1 << 20)));
  await writeFile(path, Buffer.concat(chunks));
}

export function sha256(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (c) => hash.update(c))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

/** A real PNG (a 48x48 gradient), built by hand so no image library is needed. */
export function pngBytes(size = 48): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (bytes: Buffer): number => {
    let c = 0xffffffff;
    for (const b of bytes) c = crcTable[(c ^ b) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer): Buffer => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([length, body, sum]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const rows: number[] = [];
  for (let y = 0; y < size; y += 1) {
    rows.push(0);
    for (let x = 0; x < size; x += 1) rows.push((x * 255) / size, (y * 255) / size, 160);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.from(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * Drops files on the drop zone with a real drop event and DataTransfer. The File objects are made
 * in the page; the test bridge maps their names to the files on disk, as webUtils does in the app.
 */
export async function dropFiles(page: Page, files: { name: string; path: string; size?: number }[]): Promise<void> {
  await page.getByTestId('drop-zone').waitFor();
  await page.evaluate((list) => {
    const paths = (window as unknown as { __cofferPaths: Record<string, string> }).__cofferPaths;
    const transfer = new DataTransfer();
    for (const file of list) {
      paths[file.name] = file.path;
      transfer.items.add(new File([new Uint8Array(file.size ?? 1)], file.name));
    }
    const zone = document.querySelector('[data-testid="drop-zone"]')!;
    for (const type of ['dragenter', 'dragover', 'drop']) {
      zone.dispatchEvent(new DragEvent(type, { dataTransfer: transfer, bubbles: true, cancelable: true }));
    }
  }, files);
}
