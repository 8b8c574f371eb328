import { describe, expect, it } from 'vitest';
import { CofferError } from '../../shared/errors.js';
import { MAX_FRAME_LENGTH, MIN_FRAME_LENGTH } from '../../shared/file-format.js';
import { parseFileJob } from '../../shared/file-job.js';
import { requestSchemas } from '../../shared/ipc-contract.js';
import { parseRequest } from '../../shared/kms-schemas.js';

/** The one file job request (shared/file-job.ts): what it accepts, and the one refusal for what it does not. */
function refusal(input: unknown): { code: string; message: string } {
  try {
    parseFileJob(input);
  } catch (error) {
    if (error instanceof CofferError) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('accepted');
}

const encrypt = { action: 'encrypt', paths: ['/photos'], key_ids: ['alias/photos'] };

describe('the file job request', () => {
  it('accepts each action with what it takes', () => {
    expect(
      parseFileJob({ ...encrypt, frame_length: MIN_FRAME_LENGTH, encryption_context: { a: 'b' }, remove_originals: true }),
    ).toEqual({
      ...encrypt,
      frame_length: MIN_FRAME_LENGTH,
      encryption_context: { a: 'b' },
      remove_originals: true,
    });
    expect(parseFileJob({ action: 'decrypt', paths: ['C:\\Users\\me\\a.coffer'], out_dir: '/out' }).out_dir).toBe('/out');
    expect(parseFileJob({ action: 'verify', paths: ['/a.coffer', '/b'] }).paths).toHaveLength(2);
  });

  it('refuses a frame length outside 1 KiB..16 MiB, or not whole, with COFFER.2012 naming the value', () => {
    for (const frame_length of [0, MIN_FRAME_LENGTH - 1, MAX_FRAME_LENGTH + 1, 4096.5]) {
      expect(refusal({ ...encrypt, frame_length })).toEqual({
        code: 'COFFER.2012',
        message: expect.stringContaining(String(frame_length)),
      });
    }
  });

  it('refuses an encryption without a key (KMS.0204), and encryption options on other actions (COFFER.2015)', () => {
    expect(refusal({ action: 'encrypt', paths: ['/a'] }).code).toBe('KMS.0204');
    expect(refusal({ action: 'encrypt', paths: ['/a'], key_ids: [] }).code).toBe('KMS.0204');
    expect(refusal({ action: 'decrypt', paths: ['/a'], key_ids: ['k'] }).code).toBe('COFFER.2015');
    expect(refusal({ action: 'decrypt', paths: ['/a'], remove_originals: true }).code).toBe('COFFER.2015');
    expect(refusal({ action: 'verify', paths: ['/a'], out_dir: '/b' }).code).toBe('COFFER.2015');
  });

  it('refuses relative paths, an empty list, an unknown field and a bad encryption context', () => {
    expect(refusal({ action: 'verify', paths: ['a.coffer'] })).toMatchObject({
      code: 'KMS.0308',
      message: expect.stringContaining('not absolute'),
    });
    expect(refusal({ action: 'verify', paths: [] }).code).toBe('KMS.0308');
    expect(refusal({ action: 'verify', paths: ['/a'], shred: true }).code).toBe('KMS.0308');
    expect(refusal({ ...encrypt, encryption_context: { '': 'x' } }).code).toBe('KMS.0208');
    expect(refusal({ ...encrypt, encryption_context: { big: 'x'.repeat(9000) } }).code).toBe('KMS.0208');
  });

  it("is the app's jobs:start request: the same frame-length bounds and the same refusal", () => {
    const schema = requestSchemas['jobs:start'];
    const handle = 'AAAAAAAAAAAAAAAAAAAAAA';
    const { paths: _paths, ...fields } = encrypt;
    expect(() => parseRequest(schema, { ...fields, inputs: [handle], frame_length: 100 })).toThrow(
      expect.objectContaining({ code: 'COFFER.2012' }),
    );
    // The key may come from Settings, so the contract leaves it to the job's own check.
    expect(parseRequest(schema, { action: 'encrypt', inputs: [handle] })).toEqual({ action: 'encrypt', inputs: [handle] });
    // The window names its files by handle: a path, in either field, is not one.
    expect(() => parseRequest(schema, { action: 'encrypt', inputs: ['/home/me/a.txt'] })).toThrow(
      expect.objectContaining({
        code: 'COFFER.2040',
        message: expect.stringContaining('"/home/me/a.txt" is not a file Coffer was given'),
      }),
    );
    expect(() => parseRequest(schema, { action: 'encrypt', inputs: [handle], paths: ['/a'] })).toThrow(
      expect.objectContaining({ code: 'KMS.0308' }),
    );
  });
});

describe("the file job's ESDK fields (signed suite, required context, legacy files)", () => {
  it('accepts the signed suite and required context keys on encrypt, context and legacy files on decrypt and verify', () => {
    expect(
      parseFileJob({ ...encrypt, algorithm_suite: 0x0578, encryption_context: { t: '1' }, required_context_keys: ['t'] }),
    ).toMatchObject({ algorithm_suite: 0x0578, required_context_keys: ['t'] });
    for (const action of ['decrypt', 'verify']) {
      expect(
        parseFileJob({ action, paths: ['/a.coffer'], encryption_context: { t: '1' }, allow_legacy_format: true }),
      ).toMatchObject({ encryption_context: { t: '1' }, allow_legacy_format: true });
    }
  });

  it('refuses a suite Coffer does not write (COFFER.2057), and a required key without a value (COFFER.2056)', () => {
    for (const algorithm_suite of [0x0378, 0x0014, 1]) expect(refusal({ ...encrypt, algorithm_suite }).code).toBe('COFFER.2057');
    expect(refusal({ ...encrypt, encryption_context: { a: '1' }, required_context_keys: ['b'] })).toEqual({
      code: 'COFFER.2056',
      message: expect.stringContaining('"b"'),
    });
  });

  it('refuses each field on the action it does not apply to (COFFER.2015)', () => {
    expect(refusal({ ...encrypt, allow_legacy_format: true }).code).toBe('COFFER.2015');
    expect(refusal({ action: 'decrypt', paths: ['/a.coffer'], algorithm_suite: 0x0578 }).code).toBe('COFFER.2015');
    expect(refusal({ action: 'verify', paths: ['/a.coffer'], required_context_keys: ['a'] }).code).toBe('COFFER.2015');
  });
});
