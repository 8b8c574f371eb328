import { createCipheriv, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CofferError } from '../../shared/errors.js';
import { loadModule, pkcs11js, type ModuleLoader, type Pkcs11 } from '../../electron/core/keystores/pkcs11-module.js';
import { listTokens, withTokenSession, type TokenLocation } from '../../electron/core/keystores/token-session.js';
import { startSoftHsm, type SoftHsm } from '../helpers/softhsm.js';

/** The real pkcs11js on the real SoftHSM2 module, with every C_Login call counted. */
function countingLoader(): { loader: ModuleLoader; logins: () => number } {
  let logins = 0;
  const loader: ModuleLoader = (path) => {
    const real = loadModule(path);
    return new Proxy(real, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver) as unknown;
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          if (property === 'C_Login') logins += 1;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    }) as Pkcs11;
  };
  return { loader, logins: () => logins };
}

async function expectCofferError(work: Promise<unknown>, code: string): Promise<CofferError> {
  const error = await work.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CofferError);
  expect((error as CofferError).code).toBe(code);
  return error as CofferError;
}

describe('a key inside a SoftHSM2 token, through pkcs11js', () => {
  let hsm: SoftHsm;
  let location: TokenLocation;
  const pin = async () => '1234';

  beforeAll(async () => {
    hsm = await startSoftHsm();
    hsm.use();
    const serial = await hsm.initToken('coffer-test', '1234');
    location = { storeName: 'hsm1', modulePath: hsm.module, tokenLabel: 'coffer-test', tokenSerial: serial };
  });
  afterAll(async () => {
    await hsm.remove();
  });

  it('lists the tokens the module sees, with their serial numbers', async () => {
    const tokens = await listTokens('hsm1', hsm.module);
    expect(tokens).toEqual([expect.objectContaining({ label: 'coffer-test', serial: location.tokenSerial, pinLocked: false })]);
  });

  it('generates a sensitive, non-extractable token key that seals and opens with AES-256-GCM', async () => {
    const id = randomBytes(16);
    const iv = randomBytes(12);
    const aad = Buffer.from('context');
    const dek = randomBytes(32);
    const sealed = await withTokenSession(location, pin, (token) => {
      token.generateAesKey('coffer test key', id);
      return token.encrypt(id, iv, dek, aad);
    });
    expect(sealed).toHaveLength(48);
    const opened = await withTokenSession(location, pin, (token) => token.decrypt(id, iv, sealed, aad));
    expect(opened?.equals(dek)).toBe(true);
    const wrongContext = await withTokenSession(location, pin, (token) => token.decrypt(id, iv, sealed, Buffer.from('other')));
    expect(wrongContext).toBeNull();

    // The object itself, read with the raw library: on the token, sensitive, never extractable.
    const p = pkcs11js();
    const module = loadModule(hsm.module);
    module.C_Initialize();
    try {
      const slot = module.C_GetSlotList(true).find((s) => module.C_GetTokenInfo(s).label.trim() === 'coffer-test')!;
      const session = module.C_OpenSession(slot, p.CKF_SERIAL_SESSION);
      module.C_Login(session, p.CKU_USER, '1234');
      module.C_FindObjectsInit(session, [{ type: p.CKA_ID, value: id }]);
      const [key] = module.C_FindObjects(session, 1);
      module.C_FindObjectsFinal(session);
      const attributes = module.C_GetAttributeValue(session, key!, [
        { type: p.CKA_TOKEN },
        { type: p.CKA_SENSITIVE },
        { type: p.CKA_EXTRACTABLE },
        { type: p.CKA_LABEL },
      ]);
      expect(attributes.map((a) => (a.value as Buffer).toString('latin1'))).toEqual(['\x01', '\x01', '\x00', 'coffer test key']);
      expect(() => module.C_GetAttributeValue(session, key!, [{ type: p.CKA_VALUE }])).toThrow(/CKR_ATTRIBUTE_SENSITIVE/);
      module.C_Logout(session);
      module.C_CloseSession(session);
    } finally {
      module.C_Finalize();
    }
  });

  it("seals exactly as standard AES-256-GCM does, so token EDKs keep the raw AES keyring's layout", async () => {
    // A known key put in the token for this check only (a session object), compared with node:crypto.
    const p = pkcs11js();
    const material = randomBytes(32);
    const id = randomBytes(16);
    const iv = randomBytes(12);
    const aad = Buffer.from('aad');
    const plaintext = randomBytes(32);
    const fromToken = await withTokenSession(location, pin, (token) => {
      const module = loadModule(hsm.module);
      const session = module.C_OpenSession(module.C_GetSlotList(true)[0]!, p.CKF_SERIAL_SESSION);
      module.C_CreateObject(session, [
        { type: p.CKA_CLASS, value: p.CKO_SECRET_KEY },
        { type: p.CKA_KEY_TYPE, value: p.CKK_AES },
        { type: p.CKA_VALUE, value: material },
        { type: p.CKA_TOKEN, value: false },
        { type: p.CKA_ENCRYPT, value: true },
        { type: p.CKA_ID, value: id },
      ]);
      try {
        return token.encrypt(id, iv, plaintext, aad);
      } finally {
        module.C_CloseSession(session);
      }
    });
    const cipher = createCipheriv('aes-256-gcm', material, iv).setAAD(aad);
    expect(fromToken.equals(Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]))).toBe(true);
  });

  it('tries a wrong PIN exactly once and says so, never again on its own', async () => {
    const { loader, logins } = countingLoader();
    const error = await expectCofferError(
      withTokenSession(
        location,
        async () => '9999',
        () => 'never',
        loader,
      ),
      'COFFER.9003',
    );
    expect(logins()).toBe(1);
    expect(error.message).toMatch(/hsm1/);
    expect(error.message).toMatch(/will not retry/);
  });

  it('names the store and the missing token when no token has its label', async () => {
    const error = await expectCofferError(
      withTokenSession({ ...location, tokenLabel: 'unplugged' }, pin, () => 'never'),
      'COFFER.9002',
    );
    expect(error.message).toMatch(/Key store hsm1: no token labelled "unplugged" is present \(the module sees "coffer-test"\)/);
  });

  it('refuses a different token that has the same label', async () => {
    await expectCofferError(
      withTokenSession({ ...location, tokenSerial: '0000000000000000' }, pin, () => 'never'),
      'COFFER.9012',
    );
  });

  it('says which module is missing, before asking for any PIN', async () => {
    let asked = false;
    const error = await expectCofferError(
      withTokenSession(
        { ...location, modulePath: '/nonexistent/libpkcs11.so' },
        async () => {
          asked = true;
          return '1234';
        },
        () => 'never',
      ),
      'COFFER.9001',
    );
    expect(asked).toBe(false);
    expect(error.message).toMatch(/\/nonexistent\/libpkcs11\.so does not exist/);
  });

  it('refuses a file that is not a PKCS#11 module', async () => {
    await expectCofferError(listTokens('hsm1', '/etc/hostname'), 'COFFER.9001');
  });

  it('says the key is gone when the token no longer holds its object', async () => {
    await expectCofferError(
      withTokenSession(location, pin, (token) =>
        token.encrypt(randomBytes(16), randomBytes(12), randomBytes(32), Buffer.alloc(0)),
      ),
      'COFFER.9009',
    );
  });
});
