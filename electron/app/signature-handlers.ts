import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { CofferError } from '../../shared/errors.js';
import { signingHashOf, type SigningAlgorithm } from '../../shared/key-specs.js';
import * as asymmetric from '../core/kms/asymmetric-operations.js';
import type { ChooseKind } from './file-handlers.js';
import type { Handlers } from './ipc.js';
import type { VaultSession } from './vault-session.js';

export type SignatureChannel =
  'keys:get-public-key' | 'keys:sign' | 'keys:validate-signature' | 'keys:sign-file' | 'keys:validate-file-signature';

export interface SignatureHandlerDeps {
  session: VaultSession;
  /** The OS file dialog (main passes Electron's; tests pass a stand-in). */
  choosePaths?: ((kind: ChooseKind) => Promise<string[]>) | undefined;
}

/** The file the user picks in main's own dialog (the renderer never names a path), or null when they cancel. */
async function pickFile(deps: SignatureHandlerDeps): Promise<string | null> {
  if (!deps.choosePaths)
    throw new CofferError('COFFER.8041', 'This window has no file dialog to pick a file with: paste the text instead.');
  const [path] = await deps.choosePaths('file');
  return path ?? null;
}

/** A file of any size, signed as its digest: hashed here with the algorithm's own hash, streamed. */
async function fileDigest(path: string, algorithm: SigningAlgorithm): Promise<Buffer> {
  const hash = createHash(signingHashOf(algorithm));
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer);
  } catch (error) {
    throw new CofferError(
      'COFFER.8040',
      `${basename(path)} could not be read (${(error as Error).message}): choose a file you can read.`,
    );
  }
  return hash.digest();
}

/**
 * get-publickey, sign and validate-signature for the app: the same core operations as the CLI's,
 * and a file's signature, whose file main picks and hashes (message_type DIGEST).
 */
export function signatureHandlers(deps: SignatureHandlerDeps): Pick<Handlers, SignatureChannel> {
  const vault = () => deps.session.unlocked();
  return {
    'keys:get-public-key': (r) => asymmetric.getPublicKey(vault(), r),
    'keys:sign': (r) => asymmetric.sign(vault(), r),
    'keys:validate-signature': (r) => asymmetric.validateSignature(vault(), r),
    'keys:sign-file': async (r) => {
      const path = await pickFile(deps);
      if (path === null) return { file_name: null };
      const digest = await fileDigest(path, r.signing_algorithm);
      const signed = await asymmetric.sign(vault(), {
        key_id: r.key_id,
        signing_algorithm: r.signing_algorithm,
        message_type: 'DIGEST',
        message: digest.toString('base64'),
      });
      return { ...signed, file_name: basename(path), digest: digest.toString('hex') };
    },
    'keys:validate-file-signature': async (r) => {
      const path = await pickFile(deps);
      if (path === null) return { file_name: null };
      const digest = await fileDigest(path, r.signing_algorithm);
      const checked = await asymmetric.validateSignature(vault(), {
        key_id: r.key_id,
        signing_algorithm: r.signing_algorithm,
        message_type: 'DIGEST',
        message: digest.toString('base64'),
        signature: r.signature,
      });
      return { ...checked, file_name: basename(path), digest: digest.toString('hex') };
    },
  };
}
