/**
 * Every refusal Coffer gives carries a stable code and a sentence for humans.
 * KMS.xxxx codes follow Huawei Cloud KMS so its users find the same words;
 * COFFER.xxxx codes cover what a local vault adds (keychain, files, locks).
 */
export const ERROR_CODES = {
  'KMS.0101': 'Coffer hit an internal error.',
  'KMS.0202': 'The request is not valid JSON.',
  'KMS.0203': 'The request is too long.',
  'KMS.0204': 'A required parameter is missing.',
  'KMS.0205': 'The key id is not valid: give a key id (a UUID) or alias/NAME.',
  'KMS.0207': 'The key does not exist.',
  'KMS.0208': 'The encryption context is not valid.',
  'KMS.0209': 'The key is disabled: enable it before using it.',
  'KMS.0210': 'The key is pending deletion and cannot be used: cancel the deletion to use it again.',
  'KMS.0308': 'A parameter is not valid.',
  'KMS.0309': 'This operation needs a key created with --origin external.',
  'KMS.0310': 'The key is not in the Pending import state.',
  'KMS.0311': 'The data could not be decrypted with the RSA private key.',
  'KMS.1101': 'The alias is not valid.',
  'KMS.1103': 'The description is not valid.',
  'KMS.1104': 'Another key already has this alias.',
  'KMS.1105': 'The vault holds as many keys as it may.',
  'KMS.1201': 'The key is not disabled, so it cannot be enabled.',
  'KMS.1301': 'The key is not enabled, so it cannot be disabled.',
  'KMS.1401': 'The pending deletion period must be a whole number of days from 7 to 1096.',
  'KMS.1402': 'The key is already pending deletion.',
  'KMS.1501': 'The key is not pending deletion.',
  'KMS.1601': 'The limit is not valid.',
  'KMS.1602': 'The marker is not valid.',
  'KMS.1801': 'The random data length is not valid.',
  'KMS.1901': 'The data key length must be a multiple of 8 bits from 8 to 8192.',
  'KMS.2101': 'The plain_text is not valid.',
  'KMS.2102': 'The datakey_plain_length is not valid.',
  'KMS.2103': 'The data key digest check failed.',
  'KMS.2201': 'The cipher_text is not valid.',
  'KMS.2202': 'The datakey_cipher_length is not valid.',
  'KMS.2601': 'The import token has expired.',
  'KMS.2602': 'The key material expiration time must be in the future.',
  'KMS.2603': 'The import token belongs to another key.',
  'KMS.2604': 'Imported key material must be 32 bytes.',
  'KMS.2605': 'The import token or wrapped key material could not be verified.',
  'KMS.2606': 'Re-imported key material must be the material imported before.',
  'KMS.2701': 'The key material can be deleted only from an Enabled or Disabled imported key.',
  'KMS.3001': 'The rotation interval must be a whole number of days from 30 to 365.',
  'COFFER.1001': 'There is no vault here yet.',
  'COFFER.1002': 'A vault already exists here.',
  'COFFER.1003': 'The OS keychain could not be reached.',
  'COFFER.1004': "The OS keychain has no entry for this vault's master key.",
  'COFFER.1005': 'The passphrase is wrong.',
  'COFFER.1006': 'The vault file is corrupt.',
  'COFFER.1007': 'The vault file failed its integrity check.',
  'COFFER.1008': 'The vault is busy: another Coffer process holds its lock.',
  'COFFER.1009': 'The recovery code is wrong.',
  'COFFER.1010': 'The backup file cannot be read.',
  'COFFER.1011': 'The backup holds keys that already exist in this vault.',
  'COFFER.1012': 'A passphrase is needed.',
  'COFFER.1013': 'The passphrase is too weak.',
  'COFFER.1014': 'The vault could not be written.',
  'COFFER.1015': 'The keychain entry does not unlock this vault.',
  'COFFER.1016': 'The audit log could not be written.',
  'COFFER.1017': 'The output file already exists.',
  'COFFER.1018': 'A file could not be read.',
  'COFFER.1019': 'The previous generation lacks keys that the current vault file holds: rollback needs --force.',
  'COFFER.1025': 'The backup holds a key store whose alias names another key store in this vault.',
  'COFFER.1026': 'The backup holds a contact whose name belongs to a different public key in this vault.',
  'COFFER.1020': 'The generation asked for is not the one the vault can roll back to now.',
  'COFFER.2001': 'The file is not a Coffer file.',
  'COFFER.2002': "The file's header is damaged or uses a format Coffer does not support.",
  'COFFER.2003': 'The file is damaged: part of it does not authenticate.',
  'COFFER.2004': 'The file is cut short.',
  'COFFER.2005': 'The file has extra bytes after its end.',
  'COFFER.2006': 'No key in this vault can open the file.',
  'COFFER.2007': 'The key that encrypted the file was deleted, so the file cannot be recovered.',
  'COFFER.2008': 'The input file cannot be read.',
  'COFFER.2009': 'The output cannot be written.',
  'COFFER.2010': 'The job was cancelled.',
  'COFFER.2011': 'The file changed while it was being encrypted.',
  'COFFER.2012': 'The frame length is not valid.',
  'COFFER.2013': 'The byte range is not valid.',
  'COFFER.2014': 'A crypto worker stopped unexpectedly.',
  'COFFER.2015': 'An option does not apply to this file action.',
  'COFFER.2016': 'The output folder cannot be used.',
  'COFFER.2030': 'The path is not a regular file (a FIFO, socket or device): Coffer does not read it.',
  'COFFER.2031': 'The disk is full.',
  'COFFER.2032': 'Permission was denied.',
  'COFFER.2033': 'The path is a loop of symbolic links.',
  'COFFER.2034': 'The name is too long for the file system.',
  'COFFER.2035': 'The file system is read-only.',
  'COFFER.2036': "The file's header holds more encrypted data keys than Coffer tries.",
  'COFFER.2037': "The file's frames are too large to preview: decrypt it instead.",
  'COFFER.2040': "The app window named a file Coffer was not given: choose it with Coffer's dialog or drop it on the window.",
  'COFFER.2041': "The output folder is not a folder: choose it with Coffer's folder dialog.",
  'COFFER.2050': 'The file is a legacy (ESDK 1.x, format v1) message: add --allow-legacy-format to open it.',
  'COFFER.2051': "The file's signature does not verify.",
  'COFFER.2052': "The signed file's public key is missing or not valid.",
  'COFFER.2053': 'A signed file cannot be read in parts: its signature covers every byte.',
  'COFFER.2054': "The encryption context given does not match the file's.",
  'COFFER.2055': 'The file does not open with this encryption context: a required pair is missing or wrong.',
  'COFFER.2056': 'A required encryption context key has no value.',
  'COFFER.2057': 'Coffer does not write this algorithm suite.',
  'COFFER.4001': 'The request did not come from the Coffer window.',
  'COFFER.4002': 'The vault is locked.',
  'COFFER.4003': 'That file was not opened for preview in this session.',
  'COFFER.5001': 'Right-click integration is not available on this system.',
  'COFFER.5002': 'Coffer does not know where the desktop app is installed.',
  'COFFER.6001': "The agent's socket folder is not private to this user.",
  'COFFER.6002': 'The agent stopped before the job finished.',
  'COFFER.6003': 'The agent is not available on this system.',
  'COFFER.6004': 'An agent is already running on this socket.',
  'COFFER.3001': 'The key has no key material yet (Pending import).',
  'COFFER.3002': 'Keys with imported material cannot be rotated.',
  'COFFER.3003': 'The key material cannot be exported.',
  'COFFER.9001': "The key store's PKCS#11 module could not be loaded.",
  'COFFER.9002': "The key store's token is not present.",
  'COFFER.9003': "The token's PIN is wrong.",
  'COFFER.9004': 'The token is full: it cannot store another key.',
  'COFFER.9005': "The token's PIN is locked.",
  'COFFER.9006': 'Another key store already has this alias.',
  'COFFER.9007': 'The key store does not exist.',
  'COFFER.9008': 'The key store still holds keys, so it cannot be deleted.',
  'COFFER.9009': "The token no longer holds this key's object.",
  'COFFER.9010': 'The token refused the operation.',
  'COFFER.9011': "A PIN is needed for the key store's token.",
  'COFFER.9012': "A different token answers to the key store's label.",
  'COFFER.9013': 'The key store alias is not valid.',
  'COFFER.9014': 'Keys in a key store cannot take imported material.',
  'COFFER.9015': "The token's data key does not open: the ciphertext or header was altered.",
  'COFFER.9016': 'Keys in a key store rotate only on request (rotate-key).',
  'COFFER.9020': 'The TPM could not be reached.',
  'COFFER.9021': "The TPM could not unseal the vault's master key.",
  'COFFER.9022': 'tpm2-tools is not installed.',
  'COFFER.9030': "The key store's token still holds objects of deleted keys, and they could not be destroyed.",
  'COFFER.8001': 'The key namespace or key name is not valid.',
  'COFFER.8002': 'Another key already has this key namespace and key name.',
  'COFFER.8003': "The key's spec or usage does not allow this operation.",
  'COFFER.8004': 'The public key file is damaged or is not a public key file.',
  'COFFER.8005': 'No contact has this name.',
  'COFFER.8006': 'A contact with this name already exists.',
  'COFFER.8007': 'The contact name is not valid.',
  'COFFER.8008': 'The imported private key is not valid for this key.',
  'COFFER.8040': 'The file to sign or check could not be read.',
  'COFFER.8041': 'No file dialog is available in this window.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** What crosses every boundary (CLI, IPC, logs): never a thrown object. */
export interface ErrorValue {
  readonly code: ErrorCode;
  readonly message: string;
}

export class CofferError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string = ERROR_CODES[code], options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CofferError';
    this.code = code;
  }

  toValue(): ErrorValue {
    return { code: this.code, message: this.message };
  }
}

export function isErrorCode(value: string): value is ErrorCode {
  return Object.hasOwn(ERROR_CODES, value);
}

/** The CLI contract's and the file results' error object: `{error_code, error_msg}`. */
export function errorFields(error: unknown): { error_code: string; error_msg: string } {
  const value = toErrorValue(error);
  return { error_code: value.code, error_msg: value.message };
}

/** Turns anything caught into an ErrorValue; unknown failures become KMS.0101 with their message kept. */
export function toErrorValue(error: unknown): ErrorValue {
  if (error instanceof CofferError) return error.toValue();
  const detail = error instanceof Error ? error.message : String(error);
  return { code: 'KMS.0101', message: `${ERROR_CODES['KMS.0101']} ${detail}` };
}
