import { createECDH, randomBytes, type KeyObject } from 'node:crypto';

/**
 * ECDSA over a digest the caller already computed (Huawei's message_type DIGEST). Node signs only
 * messages it hashes itself, so the scalar multiplication k·G is OpenSSL's (createECDH), and the
 * arithmetic modulo the group order is here, in BigInt. Verification uses public values only, so
 * its plain double-and-add leaks nothing. Signatures are DER (r, s), as Node and OpenSSL write them.
 */
interface Curve {
  nodeName: string;
  bytes: number;
  p: bigint;
  n: bigint;
  gx: bigint;
  gy: bigint;
}

const CURVES: Record<'P-256' | 'P-384', Curve> = {
  'P-256': {
    nodeName: 'prime256v1',
    bytes: 32,
    p: 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn,
    n: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
    gx: 0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n,
    gy: 0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n,
  },
  'P-384': {
    nodeName: 'secp384r1',
    bytes: 48,
    p: 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffffn,
    n: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
    gx: 0xaa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab7n,
    gy: 0x3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5fn,
  },
};

type Point = { x: bigint; y: bigint } | null;

function mod(a: bigint, m: bigint): bigint {
  const r = a % m;
  return r >= 0n ? r : r + m;
}

function inverse(a: bigint, m: bigint): bigint {
  let [oldR, r] = [mod(a, m), m];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  return mod(oldS, m);
}

function toBigInt(bytes: Buffer): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${bytes.toString('hex')}`);
}

function toBytes(value: bigint, length: number): Buffer {
  return Buffer.from(value.toString(16).padStart(length * 2, '0'), 'hex');
}

function add(curve: Curve, a: Point, b: Point): Point {
  if (!a) return b;
  if (!b) return a;
  const { p } = curve;
  let lambda: bigint;
  if (a.x === b.x) {
    if (mod(a.y + b.y, p) === 0n) return null;
    lambda = mod((3n * a.x * a.x - 3n) * inverse(2n * a.y, p), p);
  } else {
    lambda = mod((b.y - a.y) * inverse(b.x - a.x, p), p);
  }
  const x = mod(lambda * lambda - a.x - b.x, p);
  return { x, y: mod(lambda * (a.x - x) - a.y, p) };
}

function multiply(curve: Curve, k: bigint, point: Point): Point {
  let result: Point = null;
  let addend = point;
  for (let rest = k; rest > 0n; rest >>= 1n) {
    if (rest & 1n) result = add(curve, result, addend);
    addend = add(curve, addend, addend);
  }
  return result;
}

function curveOf(key: KeyObject): Curve {
  const name = key.asymmetricKeyDetails?.namedCurve;
  const curve = Object.values(CURVES).find((c) => c.nodeName === name);
  if (!curve) throw new Error(`ECDSA on curve ${String(name)} is not supported`);
  return curve;
}

/** z: the digest as an integer, its leftmost bits when longer than the group order (FIPS 186-4). */
function digestInteger(curve: Curve, digest: Buffer): bigint {
  const z = toBigInt(digest);
  const excess = digest.length * 8 - curve.bytes * 8;
  return excess > 0 ? z >> BigInt(excess) : z;
}

function derInteger(value: bigint): Buffer {
  const hex = value.toString(16);
  let bytes = Buffer.from(hex.length % 2 === 0 ? hex : `0${hex}`, 'hex');
  if (bytes[0]! & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return Buffer.concat([Buffer.from([0x02, bytes.length]), bytes]);
}

function derSignature(r: bigint, s: bigint): Buffer {
  const body = Buffer.concat([derInteger(r), derInteger(s)]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

function parseDerSignature(signature: Buffer): { r: bigint; s: bigint } | null {
  if (signature.length < 8 || signature[0] !== 0x30 || signature[1] !== signature.length - 2) return null;
  const integers: bigint[] = [];
  let at = 2;
  for (let i = 0; i < 2; i += 1) {
    if (signature[at] !== 0x02) return null;
    const length = signature[at + 1]!;
    if (length === 0 || at + 2 + length > signature.length) return null;
    integers.push(toBigInt(signature.subarray(at + 2, at + 2 + length)));
    at += 2 + length;
  }
  return at === signature.length ? { r: integers[0]!, s: integers[1]! } : null;
}

export function ecdsaSignDigest(privateKey: KeyObject, digest: Buffer): Buffer {
  const curve = curveOf(privateKey);
  const jwk = privateKey.export({ format: 'jwk' });
  const d = toBigInt(Buffer.from(jwk.d ?? '', 'base64url'));
  const z = digestInteger(curve, digest);
  const ecdh = createECDH(curve.nodeName);
  for (;;) {
    const k = toBigInt(randomBytes(curve.bytes));
    if (k === 0n || k >= curve.n) continue;
    ecdh.setPrivateKey(toBytes(k, curve.bytes));
    const r = mod(toBigInt(ecdh.getPublicKey().subarray(1, 1 + curve.bytes)), curve.n);
    if (r === 0n) continue;
    const s = mod(inverse(k, curve.n) * (z + r * d), curve.n);
    if (s === 0n) continue;
    return derSignature(r, s);
  }
}

export function ecdsaVerifyDigest(publicKey: KeyObject, digest: Buffer, signature: Buffer): boolean {
  const curve = curveOf(publicKey);
  const parsed = parseDerSignature(signature);
  if (!parsed || parsed.r < 1n || parsed.r >= curve.n || parsed.s < 1n || parsed.s >= curve.n) return false;
  const jwk = publicKey.export({ format: 'jwk' });
  const q = { x: toBigInt(Buffer.from(jwk.x ?? '', 'base64url')), y: toBigInt(Buffer.from(jwk.y ?? '', 'base64url')) };
  const w = inverse(parsed.s, curve.n);
  const z = digestInteger(curve, digest);
  const point = add(
    curve,
    multiply(curve, mod(z * w, curve.n), { x: curve.gx, y: curve.gy }),
    multiply(curve, mod(parsed.r * w, curve.n), q),
  );
  return point !== null && mod(point.x, curve.n) === parsed.r;
}
