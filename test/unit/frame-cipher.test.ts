import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { frameCipher, frameCipherStatus, nodeFrameCipher, opensslFrameCipher } from '../../electron/core/crypto/frame-cipher.js';
import { openFrameParts, scanFrames, sealFrames } from '../../electron/core/envelope/frame-codec.js';
import { selfContainedFrameCipher } from '../helpers/self-contained-cipher.js';

/**
 * The OpenSSL addon seals and opens frames in place; node:crypto is the fallback. Both must make
 * the same bytes, each must open the other's, and neither may ever return unverified plaintext.
 */
const openssl = opensslFrameCipher;
const selfContained = await selfContainedFrameCipher();
const NATIVE = fileURLToPath(new URL('../../dist/native/', import.meta.url));

/** The OpenSSL symbols a build of the addon expects from the process that loads it. */
function opensslImports(file: string): string[] {
  const symbols = execFileSync('nm', ['-D', '--undefined-only', `${NATIVE}${file}`], { encoding: 'utf8' });
  return symbols.split('\n').filter((line) => /\b(EVP|OPENSSL|CRYPTO|ERR)_\w+/.test(line));
}

describe('the frame cipher', () => {
  it('is the OpenSSL addon, built by `npm run build` (unless COFFER_AES_GCM=node asks for node:crypto)', () => {
    if (process.env.COFFER_AES_GCM === 'node') {
      expect(frameCipher).toBe(nodeFrameCipher);
      expect(frameCipherStatus()).toEqual({ name: 'node-crypto', detail: 'COFFER_AES_GCM=node' });
    } else {
      expect(frameCipherStatus().name, frameCipherStatus().detail).toBe('openssl-in-place');
      expect(frameCipherStatus().detail).toMatch(/coffer_aes_gcm\.node$/);
    }
  });
});

describe.runIf(process.platform === 'linux')("the addon's self-contained build, for Electron", () => {
  it('is built on Linux, carries its own OpenSSL and needs none from the process that loads it', () => {
    expect(selfContained.cipher, selfContained.detail).not.toBeNull();
    expect(selfContained.detail).toMatch(/coffer_aes_gcm_static\.node$/);
    // Electron exports no OpenSSL: a build that needed one (as the other does, from node) cannot load there.
    expect(opensslImports('coffer_aes_gcm.node').length).toBeGreaterThan(0);
    expect(opensslImports('coffer_aes_gcm_static.node')).toEqual([]);
  });

  it('is the build a process that runs as Electron loads first', () => {
    // What Electron sets; its missing OpenSSL exports cannot be imitated here, its name can.
    const run = sealInChild({}, "Object.defineProperty(process.versions, 'electron', { value: '45.0.0' });");
    expect(run.detail).toMatch(/coffer_aes_gcm_static\.node$/);
    expect(run).toMatchObject(sealedByNode(run.input));
  });

  it("reads no OpenSSL configuration: a machine's file naming a provider it lacks changes nothing", () => {
    const folder = mkdtempSync(join(tmpdir(), 'coffer-openssl-'));
    onTestFinished(() => rmSync(folder, { recursive: true, force: true }));
    const config = join(folder, 'openssl.cnf');
    writeFileSync(
      config,
      'openssl_conf = init\n[init]\nproviders = providers\n[providers]\nmissing = missing\n' +
        '[missing]\nmodule = /nonexistent/missing.so\nactivate = 1\n',
    );
    const run = sealInChild({ COFFER_AES_GCM: 'static', OPENSSL_CONF: config });
    expect(run.detail).toMatch(/coffer_aes_gcm_static\.node$/);
    expect(run).toMatchObject(sealedByNode(run.input));
  });
});

interface ChildSeal {
  input: { key: string; iv: string };
  detail: string;
  sealed: string;
  tag: string;
}

/** Seals one frame in a fresh Node process, with the built frame-cipher.js and that environment. */
function sealInChild(env: NodeJS.ProcessEnv, prelude = ''): ChildSeal {
  const input = { key: randomBytes(32).toString('hex'), iv: randomBytes(12).toString('hex') };
  const module = new URL('../../dist/electron/core/crypto/frame-cipher.js', import.meta.url).href;
  const script = `${prelude}
    const { frameCipher, frameCipherStatus } = await import(${JSON.stringify(module)});
    const tag = Buffer.alloc(16);
    const sealed = frameCipher.seal(Buffer.from('${input.key}', 'hex'), Buffer.from('${input.iv}', 'hex'), Buffer.from('aad'), Buffer.from('a frame of plaintext'), tag);
    console.log(JSON.stringify({ detail: frameCipherStatus().detail, sealed: sealed.toString('hex'), tag: tag.toString('hex') }));`;
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  return { input, ...(JSON.parse(output) as Omit<ChildSeal, 'input'>) };
}

/** What node:crypto makes of the same frame. */
function sealedByNode(input: ChildSeal['input']): { sealed: string; tag: string } {
  const tag = Buffer.alloc(16);
  const sealed = nodeFrameCipher.seal(
    Buffer.from(input.key, 'hex'),
    Buffer.from(input.iv, 'hex'),
    Buffer.from('aad'),
    Buffer.from('a frame of plaintext'),
    tag,
  );
  return { sealed: sealed.toString('hex'), tag: tag.toString('hex') };
}

describe.each(
  [
    ['the OpenSSL addon', openssl],
    ["the addon's self-contained build", selfContained.cipher],
  ].filter((build): build is [string, NonNullable<typeof openssl>] => build[1] !== null),
)('%s and node:crypto', (_name, addon) => {
  const key = randomBytes(32);
  const iv = randomBytes(12);
  const aad = Buffer.from('message id || AWSKMSEncryptionClient Frame || seq || length');

  it.each([0, 1, 15, 16, 17, 4096, 256 * 1024 + 3])('make the same ciphertext and tag for %i bytes', (size) => {
    const plaintext = randomBytes(size);
    const nodeTag = Buffer.alloc(16);
    const fromNode = Buffer.from(nodeFrameCipher.seal(key, iv, aad, Buffer.from(plaintext), nodeTag));
    const data = Buffer.from(plaintext);
    const addonTag = Buffer.alloc(16);
    const fromAddon = addon.seal(key, iv, aad, data, addonTag);
    expect(fromAddon.buffer).toBe(data.buffer); // in place: no new buffer
    expect(fromAddon.equals(fromNode)).toBe(true);
    expect(addonTag.equals(nodeTag)).toBe(true);
    // Each opens the other's.
    expect(addon.open(key, iv, aad, Buffer.from(fromNode), nodeTag)?.equals(plaintext)).toBe(true);
    expect(nodeFrameCipher.open(key, iv, aad, Buffer.from(fromAddon), addonTag)?.equals(plaintext)).toBe(true);
  });

  it('refuse a flipped ciphertext, tag or AAD bit and a wrong key alike', () => {
    const plaintext = randomBytes(1000);
    const tag = Buffer.alloc(16);
    const sealed = Buffer.from(addon.seal(key, iv, aad, Buffer.from(plaintext), tag));
    const flip = (bytes: Buffer, at: number): Buffer => {
      const copy = Buffer.from(bytes);
      copy[at]! ^= 0x01;
      return copy;
    };
    for (const cipher of [addon, nodeFrameCipher]) {
      expect(cipher.open(key, iv, aad, flip(sealed, 999), tag), cipher.name).toBeNull();
      expect(cipher.open(key, iv, aad, Buffer.from(sealed), flip(tag, 15)), cipher.name).toBeNull();
      expect(cipher.open(key, iv, flip(aad, 0), Buffer.from(sealed), tag), cipher.name).toBeNull();
      expect(cipher.open(randomBytes(32), iv, aad, Buffer.from(sealed), tag), cipher.name).toBeNull();
      expect(cipher.open(key, flip(iv, 11), aad, Buffer.from(sealed), tag), cipher.name).toBeNull();
    }
  });

  it('refuse keys, IVs and tags of other sizes before running the cipher', () => {
    const data = randomBytes(64);
    expect(() => addon.seal(randomBytes(16), iv, aad, data, Buffer.alloc(16))).toThrow(RangeError);
    expect(() => addon.open(key, randomBytes(16), aad, data, Buffer.alloc(16))).toThrow(RangeError);
    expect(addon.open(key, iv, aad, data, Buffer.alloc(12))).toBeNull();
    // Below the TypeScript types, the addon checks its arguments itself.
    const raw = addon.seal as unknown as (...args: unknown[]) => unknown;
    expect(() => raw(key, iv, aad, 'not a buffer', Buffer.alloc(16))).toThrow(/expected \(key: 32 bytes/);
  });

  it('seal and open the same ESDK frames, each opening the other’s', () => {
    const messageId = randomBytes(32);
    const frameLength = 4096;
    const plaintext = randomBytes(frameLength * 3 + 100);
    const sealedWith = (cipher: typeof addon): Buffer =>
      Buffer.concat(sealFrames(key, messageId, frameLength, 1, Buffer.from(plaintext), true, cipher));
    const byAddon = sealedWith(addon);
    expect(byAddon.equals(sealedWith(nodeFrameCipher))).toBe(true);
    for (const cipher of [addon, nodeFrameCipher]) {
      const { frames } = scanFrames(byAddon, frameLength);
      const opened = openFrameParts(key, messageId, frameLength, 1, Buffer.from(byAddon), frames, cipher);
      expect(Buffer.concat(opened).equals(plaintext), cipher.name).toBe(true);
    }
  });
});
