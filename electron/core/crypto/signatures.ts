import {
  constants,
  createHash,
  privateEncrypt,
  publicDecrypt,
  randomBytes,
  sign,
  timingSafeEqual,
  verify,
  type KeyObject,
} from 'node:crypto';
import { CofferError } from '../../../shared/errors.js';
import {
  signingAlgorithmsFor,
  type AsymmetricKeySpec,
  type MessageType,
  type SigningAlgorithm,
} from '../../../shared/key-specs.js';
import { ecdsaSignDigest, ecdsaVerifyDigest } from './ecdsa-digest.js';

/**
 * Huawei KMS's signing algorithms over a message (RAW: hashed here) or a digest the caller made
 * (DIGEST). RSA-PSS uses MGF1 with the same hash and a salt as long as the hash (as AWS and
 * Huawei KMS do); verification accepts any salt length. ECDSA signatures are DER.
 */
type Hash = 'sha256' | 'sha384' | 'sha512';
type Scheme = 'pss' | 'pkcs1' | 'ecdsa';

const ALGORITHMS: Record<SigningAlgorithm, { scheme: Scheme; hash: Hash }> = {
  RSASSA_PSS_SHA_256: { scheme: 'pss', hash: 'sha256' },
  RSASSA_PSS_SHA_384: { scheme: 'pss', hash: 'sha384' },
  RSASSA_PSS_SHA_512: { scheme: 'pss', hash: 'sha512' },
  RSASSA_PKCS1_V1_5_SHA_256: { scheme: 'pkcs1', hash: 'sha256' },
  RSASSA_PKCS1_V1_5_SHA_384: { scheme: 'pkcs1', hash: 'sha384' },
  RSASSA_PKCS1_V1_5_SHA_512: { scheme: 'pkcs1', hash: 'sha512' },
  ECDSA_SHA_256: { scheme: 'ecdsa', hash: 'sha256' },
  ECDSA_SHA_384: { scheme: 'ecdsa', hash: 'sha384' },
};
const HASH_BYTES: Record<Hash, number> = { sha256: 32, sha384: 48, sha512: 64 };
/** DER of DigestInfo's AlgorithmIdentifier and OCTET STRING header, before the digest (RFC 8017 9.2 note 1). */
const DIGEST_INFO: Record<Hash, Buffer> = {
  sha256: Buffer.from('3031300d060960864801650304020105000420', 'hex'),
  sha384: Buffer.from('3041300d060960864801650304020205000430', 'hex'),
  sha512: Buffer.from('3051300d060960864801650304020305000440', 'hex'),
};

export { signingAlgorithmsFor };

function checkRequest(spec: AsymmetricKeySpec, algorithm: SigningAlgorithm, messageType: MessageType, message: Buffer): Hash {
  const allowed = signingAlgorithmsFor(spec);
  if (!allowed.includes(algorithm)) {
    throw new CofferError('KMS.0308', `A ${spec} key does not sign with ${algorithm}: use ${allowed.join(', ')}.`);
  }
  const { hash } = ALGORITHMS[algorithm];
  if (messageType === 'DIGEST' && message.length !== HASH_BYTES[hash]) {
    throw new CofferError(
      'KMS.0308',
      `A ${hash.toUpperCase()} digest is ${HASH_BYTES[hash]} bytes; the message given as DIGEST is ${message.length}. ` +
        'Give the digest itself (Base64), or the message with message_type RAW.',
    );
  }
  return hash;
}

function mgf1(hash: Hash, seed: Buffer, length: number): Buffer {
  const blocks: Buffer[] = [];
  for (let counter = 0; blocks.length * HASH_BYTES[hash] < length; counter += 1) {
    const c = Buffer.alloc(4);
    c.writeUInt32BE(counter);
    blocks.push(createHash(hash).update(seed).update(c).digest());
  }
  return Buffer.concat(blocks).subarray(0, length);
}

/** EMSA-PSS-ENCODE (RFC 8017 9.1.1) of a digest, for a modulus of `modBits` bits, left-padded to the modulus size. */
function pssEncode(hash: Hash, digest: Buffer, modBits: number): Buffer {
  const hLen = HASH_BYTES[hash];
  const emBits = modBits - 1;
  const emLen = Math.ceil(emBits / 8);
  const salt = randomBytes(hLen);
  const h = createHash(hash).update(Buffer.alloc(8)).update(digest).update(salt).digest();
  const db = Buffer.concat([Buffer.alloc(emLen - 2 * hLen - 2), Buffer.from([1]), salt]);
  const mask = mgf1(hash, h, db.length);
  for (let i = 0; i < db.length; i += 1) db[i]! ^= mask[i]!;
  db[0]! &= 0xff >> (8 * emLen - emBits);
  const em = Buffer.concat([db, h, Buffer.from([0xbc])]);
  return Buffer.concat([Buffer.alloc(Math.ceil(modBits / 8) - emLen), em]);
}

/** EMSA-PSS-VERIFY (RFC 8017 9.1.2), with the salt length read from the encoding. */
function pssVerify(hash: Hash, digest: Buffer, encoded: Buffer, modBits: number): boolean {
  const hLen = HASH_BYTES[hash];
  const emBits = modBits - 1;
  const emLen = Math.ceil(emBits / 8);
  const extra = encoded.length - emLen;
  if (extra < 0 || encoded.subarray(0, extra).some((b) => b !== 0)) return false;
  const em = encoded.subarray(extra);
  if (emLen < hLen + 2 || em[emLen - 1] !== 0xbc) return false;
  const topBits = (0xff << (8 - (8 * emLen - emBits))) & 0xff;
  const db = Buffer.from(em.subarray(0, emLen - hLen - 1));
  const h = em.subarray(emLen - hLen - 1, emLen - 1);
  if ((db[0]! & topBits) !== 0) return false;
  const mask = mgf1(hash, h, db.length);
  for (let i = 0; i < db.length; i += 1) db[i]! ^= mask[i]!;
  db[0]! &= 0xff >> (8 * emLen - emBits);
  const one = db.findIndex((b) => b !== 0);
  if (one < 0 || db[one] !== 1) return false;
  const salt = db.subarray(one + 1);
  const expected = createHash(hash).update(Buffer.alloc(8)).update(digest).update(salt).digest();
  return timingSafeEqual(expected, h);
}

function modulusBits(key: KeyObject): number {
  return key.asymmetricKeyDetails?.modulusLength ?? 0;
}

export function signMessage(
  privateKey: KeyObject,
  spec: AsymmetricKeySpec,
  algorithm: SigningAlgorithm,
  messageType: MessageType,
  message: Buffer,
): Buffer {
  const hash = checkRequest(spec, algorithm, messageType, message);
  const { scheme } = ALGORITHMS[algorithm];
  if (messageType === 'RAW') {
    if (scheme === 'ecdsa') return sign(hash, message, { key: privateKey, dsaEncoding: 'der' });
    return sign(hash, message, {
      key: privateKey,
      padding: scheme === 'pss' ? constants.RSA_PKCS1_PSS_PADDING : constants.RSA_PKCS1_PADDING,
      saltLength: HASH_BYTES[hash],
    });
  }
  if (scheme === 'ecdsa') return ecdsaSignDigest(privateKey, message);
  if (scheme === 'pkcs1') {
    return privateEncrypt({ key: privateKey, padding: constants.RSA_PKCS1_PADDING }, Buffer.concat([DIGEST_INFO[hash], message]));
  }
  return privateEncrypt(
    { key: privateKey, padding: constants.RSA_NO_PADDING },
    pssEncode(hash, message, modulusBits(privateKey)),
  );
}

export function verifySignature(
  publicKey: KeyObject,
  spec: AsymmetricKeySpec,
  algorithm: SigningAlgorithm,
  messageType: MessageType,
  message: Buffer,
  signature: Buffer,
): boolean {
  const hash = checkRequest(spec, algorithm, messageType, message);
  const { scheme } = ALGORITHMS[algorithm];
  try {
    if (messageType === 'RAW') {
      if (scheme === 'ecdsa') return verify(hash, message, { key: publicKey, dsaEncoding: 'der' }, signature);
      return verify(
        hash,
        message,
        {
          key: publicKey,
          padding: scheme === 'pss' ? constants.RSA_PKCS1_PSS_PADDING : constants.RSA_PKCS1_PADDING,
          saltLength: constants.RSA_PSS_SALTLEN_AUTO,
        },
        signature,
      );
    }
    if (scheme === 'ecdsa') return ecdsaVerifyDigest(publicKey, message, signature);
    const modulusBytes = Math.ceil(modulusBits(publicKey) / 8);
    if (signature.length !== modulusBytes) return false;
    if (scheme === 'pkcs1') {
      const expected = Buffer.concat([DIGEST_INFO[hash], message]);
      const recovered = publicDecrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, signature);
      return recovered.length === expected.length && timingSafeEqual(recovered, expected);
    }
    const encoded = publicDecrypt({ key: publicKey, padding: constants.RSA_NO_PADDING }, signature);
    return pssVerify(hash, message, encoded, modulusBits(publicKey));
  } catch {
    // A signature that is not even well-formed (wrong length, not below the modulus) is simply invalid.
    return false;
  }
}
