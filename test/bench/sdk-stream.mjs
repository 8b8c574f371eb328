// The AWS Encryption SDK for JavaScript as a benchmark peer: streams one file to another with
// the same suite (0x0478) and raw AES keyring a Coffer CMK maps to, so the SDK can also open
// Coffer's own files.
//   node test/bench/sdk-stream.mjs encrypt IN OUT [FRAME_LENGTH]
//   node test/bench/sdk-stream.mjs decrypt IN OUT
// The key comes from the environment, not argv, so it never shows in the process list:
//   COFFER_BENCH_KEY_MATERIAL  base64 of the 32-byte CMK material (export-key-material)
//   COFFER_BENCH_KEY_NAME      "<key id>:v<8-digit version>"
import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import {
  AlgorithmSuiteIdentifier,
  buildClient,
  CommitmentPolicy,
  RawAesKeyringNode,
  RawAesWrappingSuiteIdentifier,
} from '@aws-crypto/client-node';

const [mode, input, output, frameText] = process.argv.slice(2);
const material = Buffer.from(process.env.COFFER_BENCH_KEY_MATERIAL ?? '', 'base64');
const keyName = process.env.COFFER_BENCH_KEY_NAME ?? '';
if ((mode !== 'encrypt' && mode !== 'decrypt') || !input || !output || material.length !== 32 || !keyName) {
  console.error('usage: sdk-stream.mjs encrypt|decrypt IN OUT [FRAME_LENGTH], with COFFER_BENCH_KEY_MATERIAL and _KEY_NAME set');
  process.exit(2);
}

const keyring = new RawAesKeyringNode({
  keyName,
  keyNamespace: 'coffer',
  // The keyring refuses a Buffer that is a view into Node's shared pool: it needs its own copy.
  unencryptedMasterKey: new Uint8Array(material),
  wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
  utf8Sorting: true,
});
const { encryptStream, decryptStream } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
const transform =
  mode === 'encrypt'
    ? encryptStream(keyring, {
        suiteId: AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY,
        // Undefined keeps the SDK's own default (4 KiB frames).
        ...(frameText ? { frameLength: Number(frameText) } : {}),
      })
    : decryptStream(keyring);

await pipeline(createReadStream(input), transform, createWriteStream(output, { flags: 'wx' }));
