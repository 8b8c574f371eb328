import { CofferError } from '../../../shared/errors.js';
import type { TokenSummary } from '../../../shared/kms-responses.js';
import {
  loadModule,
  openModule,
  pkcs11js,
  pkcs11ReturnName,
  withInitializedModule,
  type ModuleLoader,
  type Pkcs11,
} from './pkcs11-module.js';
import { tokenFailure } from './token-failures.js';

/** Where a key store's token is: the module that speaks for it and the token's label (and serial, once known). */
export interface TokenLocation {
  storeName: string;
  modulePath: string;
  tokenLabel: string;
  /** The serial recorded when the store was created: a different token with the same label is refused. */
  tokenSerial?: string | null;
}

export type { TokenSummary };

/** Asked for the PIN once the token is found, and only then: a missing token is reported first. */
export type PinSource = () => Promise<string>;

/** The operations a CMK inside a token offers; the key never leaves the token. */
export interface TokenSession {
  readonly token: TokenSummary;
  /** Generates an AES-256 key inside the token: CKA_TOKEN, CKA_SENSITIVE, not extractable. */
  generateAesKey(label: string, id: Buffer): void;
  /** AES-256-GCM inside the token: ciphertext || 16-byte tag. */
  encrypt(id: Buffer, iv: Buffer, plaintext: Buffer, aad: Buffer): Buffer;
  /** The plaintext, or null when the tag does not verify (altered data, wrong context). */
  decrypt(id: Buffer, iv: Buffer, sealed: Buffer, aad: Buffer): Buffer | null;
  /** Destroys every secret key object with this CKA_ID (C_DestroyObject); how many there were (0: already gone). */
  destroyKeys(id: Buffer): number;
}

const CKF_TOKEN_INITIALIZED = 0x400;
const CKF_USER_PIN_LOCKED = 0x40000;
const GCM_TAG_BITS = 128;

function text(value: string): string {
  // PKCS#11 pads its fixed-width strings with spaces.
  return value.replace(/[\s\0]+$/, '');
}

function summary(info: ReturnType<Pkcs11['C_GetTokenInfo']>): TokenSummary {
  return {
    label: text(info.label),
    serial: text(info.serialNumber),
    manufacturer: text(info.manufacturerID),
    model: text(info.model),
    initialized: (info.flags & CKF_TOKEN_INITIALIZED) !== 0,
    pinLocked: (info.flags & CKF_USER_PIN_LOCKED) !== 0,
  };
}

function presentTokens(storeName: string, module: Pkcs11): { slot: Buffer; token: TokenSummary }[] {
  try {
    return module.C_GetSlotList(true).flatMap((slot) => {
      try {
        return [{ slot, token: summary(module.C_GetTokenInfo(slot)) }];
      } catch {
        return []; // A slot whose token cannot be read (pulled out now, not recognized) holds none.
      }
    });
  } catch (error) {
    throw tokenFailure(storeName, 'list the tokens', error);
  }
}

/** The tokens a module can see now (for Settings and describe-key-store). */
export async function listTokens(
  storeName: string,
  modulePath: string,
  loader: ModuleLoader = loadModule,
): Promise<TokenSummary[]> {
  const module = openModule(storeName, modulePath, loader);
  return withInitializedModule(module, modulePath, async () =>
    presentTokens(storeName, module)
      .map((t) => t.token)
      .filter((t) => t.initialized),
  );
}

function findToken(location: TokenLocation, module: Pkcs11): { slot: Buffer; token: TokenSummary } {
  const tokens = presentTokens(location.storeName, module);
  const matches = tokens.filter((t) => t.token.label === location.tokenLabel);
  if (matches.length === 0) {
    const seen = tokens.filter((t) => t.token.initialized).map((t) => `"${t.token.label}"`);
    throw new CofferError(
      'COFFER.9002',
      `Key store ${location.storeName}: no token labelled "${location.tokenLabel}" is present ` +
        `(${seen.length > 0 ? `the module sees ${seen.join(', ')}` : 'the module sees no token'}). ` +
        "Plug the token in (or start the HSM's connection) and try again. Nothing was changed.",
    );
  }
  const wanted = location.tokenSerial;
  const match = wanted ? matches.find((t) => t.token.serial === wanted) : matches[0];
  if (!match) {
    throw new CofferError(
      'COFFER.9012',
      `Key store ${location.storeName}: the token labelled "${location.tokenLabel}" has serial number ${matches[0]!.token.serial}, ` +
        `not ${wanted}, the token this store was created on. Plug in that token; Coffer does not use another token's keys. Nothing was changed.`,
    );
  }
  return match;
}

function findKey(storeName: string, module: Pkcs11, session: Buffer, id: Buffer): Buffer {
  const p = pkcs11js();
  try {
    module.C_FindObjectsInit(session, [
      { type: p.CKA_CLASS, value: p.CKO_SECRET_KEY },
      { type: p.CKA_ID, value: id },
    ]);
    const found = module.C_FindObjects(session, 2);
    module.C_FindObjectsFinal(session);
    if (found.length === 1) return found[0]!;
  } catch (error) {
    throw tokenFailure(storeName, 'find the key', error);
  }
  throw new CofferError(
    'COFFER.9009',
    `Key store ${storeName}: the token holds no key with CKA_ID ${id.toString('hex')} (it was deleted from the token, ` +
      'or the token was re-initialized). Data under that key version cannot be decrypted without it.',
  );
}

function destroyKeys(storeName: string, module: Pkcs11, session: Buffer, id: Buffer): number {
  const p = pkcs11js();
  try {
    module.C_FindObjectsInit(session, [
      { type: p.CKA_CLASS, value: p.CKO_SECRET_KEY },
      { type: p.CKA_ID, value: id },
    ]);
    const found: Buffer[] = [];
    // More than one object may carry the id (a key copied by the token's own tools): destroy them all.
    for (let batch = module.C_FindObjects(session, 16); batch.length > 0; batch = module.C_FindObjects(session, 16)) {
      found.push(...batch);
    }
    module.C_FindObjectsFinal(session);
    for (const handle of found) module.C_DestroyObject(session, handle);
    return found.length;
  } catch (error) {
    throw tokenFailure(storeName, 'destroy a deleted key', error);
  }
}

function gcm(iv: Buffer, aad: Buffer) {
  const p = pkcs11js();
  return {
    mechanism: p.CKM_AES_GCM,
    parameter: { type: p.CK_PARAMS_AES_GCM, iv, ivBits: iv.length * 8, aad, tagBits: GCM_TAG_BITS },
  };
}

function login(location: TokenLocation, module: Pkcs11, session: Buffer, pin: string): void {
  try {
    module.C_Login(session, pkcs11js().CKU_USER, pin);
  } catch (error) {
    // Never again with the same PIN: a token locks itself after a few wrong tries.
    if (pkcs11ReturnName(error) === 'CKR_USER_ALREADY_LOGGED_IN') return;
    throw tokenFailure(location.storeName, 'log in to the token', error);
  }
}

/**
 * Finds the store's token, asks for the PIN, logs in exactly once, runs `work`, and logs out.
 * Every failure is a CofferError naming the store and what to do.
 */
export async function withTokenSession<T>(
  location: TokenLocation,
  pin: PinSource,
  work: (session: TokenSession) => T | Promise<T>,
  loader: ModuleLoader = loadModule,
): Promise<T> {
  const module = openModule(location.storeName, location.modulePath, loader);
  const p = pkcs11js();
  return withInitializedModule(module, location.modulePath, async () => {
    const { slot, token } = findToken(location, module);
    if (token.pinLocked) {
      throw new CofferError(
        'COFFER.9005',
        `Key store ${location.storeName}: the PIN of token "${token.label}" is locked after too many wrong tries. ` +
          "Unlock it with the token's own tools (its PUK or security officer PIN), then try again.",
      );
    }
    let session: Buffer;
    try {
      session = module.C_OpenSession(slot, p.CKF_SERIAL_SESSION | p.CKF_RW_SESSION);
    } catch (error) {
      throw tokenFailure(location.storeName, 'open a session', error);
    }
    try {
      login(location, module, session, await pin());
      const storeName = location.storeName;
      const result = await work({
        token,
        generateAesKey(label, id) {
          try {
            module.C_GenerateKey(session, { mechanism: p.CKM_AES_KEY_GEN }, [
              { type: p.CKA_CLASS, value: p.CKO_SECRET_KEY },
              { type: p.CKA_KEY_TYPE, value: p.CKK_AES },
              { type: p.CKA_VALUE_LEN, value: 32 },
              { type: p.CKA_TOKEN, value: true },
              { type: p.CKA_PRIVATE, value: true },
              { type: p.CKA_SENSITIVE, value: true },
              { type: p.CKA_EXTRACTABLE, value: false },
              { type: p.CKA_ENCRYPT, value: true },
              { type: p.CKA_DECRYPT, value: true },
              { type: p.CKA_LABEL, value: label },
              { type: p.CKA_ID, value: id },
            ]);
          } catch (error) {
            throw tokenFailure(storeName, 'generate a key', error);
          }
        },
        encrypt(id, iv, plaintext, aad) {
          const key = findKey(storeName, module, session, id);
          try {
            module.C_EncryptInit(session, gcm(iv, aad), key);
            return Buffer.from(module.C_Encrypt(session, plaintext, Buffer.alloc(plaintext.length + GCM_TAG_BITS / 8)));
          } catch (error) {
            throw tokenFailure(storeName, 'encrypt', error);
          }
        },
        destroyKeys(id) {
          return destroyKeys(storeName, module, session, id);
        },
        decrypt(id, iv, sealed, aad) {
          const key = findKey(storeName, module, session, id);
          try {
            module.C_DecryptInit(session, gcm(iv, aad), key);
            return Buffer.from(module.C_Decrypt(session, sealed, Buffer.alloc(sealed.length)));
          } catch (error) {
            // A tag that does not verify: CKR_ENCRYPTED_DATA_INVALID by the standard, a general error in SoftHSM.
            const name = pkcs11ReturnName(error);
            if (
              name === 'CKR_ENCRYPTED_DATA_INVALID' ||
              name === 'CKR_GENERAL_ERROR' ||
              name === 'CKR_ENCRYPTED_DATA_LEN_RANGE'
            ) {
              return null;
            }
            throw tokenFailure(storeName, 'decrypt', error);
          }
        },
      });
      return result;
    } finally {
      try {
        module.C_Logout(session);
      } catch {
        // Not logged in (the login failed), or the token is gone: nothing to end.
      }
      try {
        module.C_CloseSession(session);
      } catch {
        // The token is gone: its session went with it.
      }
    }
  });
}
