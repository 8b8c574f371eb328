import { createCipheriv, createSign, randomBytes } from 'node:crypto';
import type { AlgorithmSuite } from '../../electron/core/envelope/algorithm-suites.js';
import { frameAad, frameIv } from '../../electron/core/envelope/frame-codec.js';
import { deriveMessageKeys } from '../../electron/core/envelope/key-derivation.js';
import type { EncryptedDataKey } from '../../electron/core/envelope/message-header.js';
import { ephemeralSigningKey, signatureFooter } from '../../electron/core/envelope/message-signature.js';
import { serializeEncryptionContext } from '../../electron/core/crypto/encryption-context.js';
import { u16, u32 } from './big-endian.js';

/**
 * TEST ONLY: writes an ESDK message of format v1 (what ESDK 1.x wrote), from the specification
 * (data-format/message-header.md v1, message-body.md, algorithm-suites.md), for suites no
 * official vector here covers. Coffer itself never writes v1.
 */
function gcm(keyBytes: number, key: Buffer, iv: Buffer, aad: Buffer, plaintext: Buffer): Buffer {
  const cipher = createCipheriv(`aes-${keyBytes * 8}-gcm` as 'aes-256-gcm', key, iv, { authTagLength: 16 });
  cipher.setAAD(aad);
  return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

export async function legacyMessage(options: {
  suite: AlgorithmSuite;
  dek: Buffer;
  /** Wraps the data key for the whole context (the public key of a signed suite included). */
  wrap: (dek: Buffer, contextBytes: Buffer) => Promise<EncryptedDataKey[]>;
  plaintext: Buffer;
  frameLength: number;
  context?: Record<string, string>;
}): Promise<Buffer> {
  const { suite, dek, plaintext, frameLength } = options;
  const signing = suite.signature ? ephemeralSigningKey(suite.signature) : null;
  const context = { ...(options.context ?? {}), ...(signing ? { 'aws-crypto-public-key': signing.publicKeyBase64 } : {}) };
  const contextBytes = serializeEncryptionContext(context);
  const edks = await options.wrap(dek, contextBytes);
  const messageId = randomBytes(16);
  const { dataKey } = deriveMessageKeys(suite, dek, messageId);
  const headerBody = Buffer.concat([
    Buffer.from([0x01, 0x80]),
    u16(suite.id),
    messageId,
    u16(contextBytes.length),
    contextBytes,
    u16(edks.length),
    ...edks.flatMap((edk) => [
      u16(Buffer.byteLength(edk.providerId)),
      Buffer.from(edk.providerId),
      u16(edk.providerInfo.length),
      edk.providerInfo,
      u16(edk.ciphertext.length),
      edk.ciphertext,
    ]),
    Buffer.from([0x02]),
    u32(0),
    Buffer.from([12]),
    u32(frameLength),
  ]);
  const headerIv = Buffer.alloc(12);
  const parts = [headerBody, headerIv, gcm(suite.keyBytes, dataKey, headerIv, headerBody, Buffer.alloc(0))];
  const regular = Math.floor(plaintext.length / frameLength);
  for (let i = 0; i <= regular; i += 1) {
    const seq = i + 1;
    const final = i === regular;
    const chunk = plaintext.subarray(i * frameLength, final ? plaintext.length : (i + 1) * frameLength);
    const sealed = gcm(suite.keyBytes, dataKey, frameIv(seq), frameAad(messageId, final, seq, chunk.length), chunk);
    parts.push(...(final ? [u32(0xffffffff), u32(seq), frameIv(seq), u32(chunk.length)] : [u32(seq), frameIv(seq)]), sealed);
  }
  const message = Buffer.concat(parts);
  if (!signing) return message;
  const signer = createSign(suite.signature!.hash);
  signer.update(message);
  return Buffer.concat([message, signatureFooter(signer.sign({ key: signing.privateKey, dsaEncoding: 'der' }))]);
}
