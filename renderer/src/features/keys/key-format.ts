import type { KeyInfo } from '../../../../shared/kms-responses.js';
import { KEY_LIMITS, KEY_STATE_NAMES, KeyState } from '../../../../shared/key-types.js';
import type { KeySpec, KeyUsage } from '../../../../shared/key-specs.js';

/** The words and checks the Keys screen shows; kept here so the components stay presentational. */
export const STATE = {
  enabled: String(KeyState.Enabled),
  disabled: String(KeyState.Disabled),
  pendingDeletion: String(KeyState.PendingDeletion),
  pendingImport: String(KeyState.PendingImport),
} as const;

export const LIMITS = KEY_LIMITS;
export const DEFAULT_PENDING_DAYS = 30;

export function stateName(key: Pick<KeyInfo, 'key_state' | 'key_state_name'>): string {
  if (key.key_state_name) return key.key_state_name;
  const code = Number(key.key_state) as KeyState;
  return KEY_STATE_NAMES[code] ?? `State ${key.key_state}`;
}

export function rotationSummary(key: KeyInfo): string {
  if (key.key_spec !== 'AES_256') return 'Not available (asymmetric)';
  if (key.origin === 'external') return 'Not available (imported)';
  return key.key_rotation_enabled === 'true' ? `On, every ${key.rotation_interval} days` : 'Off';
}

/** The inline sentence for an alias the KMS would refuse, or null when it is acceptable. */
export function aliasProblem(alias: string): string | null {
  if (alias.length === 0) return 'Give the key an alias.';
  if (alias.length > 255) return 'The alias is too long: at most 255 characters.';
  if (!LIMITS.aliasPattern.test(alias))
    return "Use only letters, digits, ':', '/', '_' or '-' (no spaces), at most 255 characters.";
  if (alias.endsWith('/default')) return 'An alias cannot end in "/default": that name is reserved.';
  return null;
}

/** A whole number of days within [min, max], or a sentence saying what is wrong. */
export function daysProblem(text: string, min: number, max: number, what: string): string | null {
  const value = Number(text);
  if (text.trim() === '' || !Number.isInteger(value) || value < min || value > max) {
    return `${what} must be a whole number of days from ${min} to ${max}.`;
  }
  return null;
}

export function formatDateTime(millisText: string): string {
  const ms = Number(millisText);
  return millisText && Number.isFinite(ms)
    ? new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })
    : '—';
}

/** Base64 as the KMS accepts it; whitespace from a paste is dropped first. */
export function cleanBase64(text: string): string {
  return text.replace(/\s+/g, '');
}

export function isBase64(text: string): boolean {
  return text.length > 0 && text.length % 4 === 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(text);
}

export interface TagRow {
  id: number;
  key: string;
  value: string;
}

const TAG_FORBIDDEN = /[=*<>\\,|/]/;

/** Rows with both fields empty are ignored; anything else must be a valid, unique tag. */
export function tagsProblem(rows: TagRow[]): string | null {
  const seen = new Set<string>();
  for (const [index, row] of rows.entries()) {
    const n = index + 1;
    if (row.key === '' && row.value === '') continue;
    if (row.key === '') return `Tag ${n} has a value but no key.`;
    if (row.key.length > LIMITS.tagKeyMax) return `Tag ${n}: the key is too long (at most ${LIMITS.tagKeyMax} characters).`;
    if (row.value.length > LIMITS.tagValueMax)
      return `Tag ${n}: the value is too long (at most ${LIMITS.tagValueMax} characters).`;
    if (TAG_FORBIDDEN.test(row.key) || TAG_FORBIDDEN.test(row.value)) return `Tag ${n}: do not use any of = * < > \\ , | /.`;
    if (seen.has(row.key)) return `Tag ${n}: the key "${row.key}" is used twice.`;
    seen.add(row.key);
  }
  return null;
}

export function tagsOf(rows: TagRow[]): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const row of rows) if (row.key !== '') tags[row.key] = row.value;
  return tags;
}

/** The key specs as the create dialog lists them (Huawei's names, with what each is for). */
export const SPEC_LABELS: Record<KeySpec, string> = {
  AES_256: 'AES_256 (symmetric: files, text, data keys)',
  RSA_2048: 'RSA_2048',
  RSA_3072: 'RSA_3072',
  RSA_4096: 'RSA_4096',
  EC_P256: 'EC_P256',
  EC_P384: 'EC_P384',
};

/** The key usages a spec allows, as in Huawei KMS: AES encrypts, EC signs, RSA does either. */
export function usagesFor(spec: KeySpec): KeyUsage[] {
  if (spec === 'AES_256') return ['ENCRYPT_DECRYPT'];
  if (spec.startsWith('EC_')) return ['SIGN_VERIFY'];
  return ['ENCRYPT_DECRYPT', 'SIGN_VERIFY'];
}

/** Why an asymmetric key has no rotation controls (Huawei KMS does not rotate them either). */
export const ASYMMETRIC_ROTATION_NOTE =
  'Asymmetric keys do not rotate (as in Huawei KMS): a new key pair would be a new public key, so create a new key instead.';

/** The inline sentence for another tool's key namespace and name the KMS would refuse, or null. */
export function keyNameProblem(namespace: string, name: string): string | null {
  for (const [field, value] of [
    ['key namespace', namespace],
    ['key name', name],
  ] as const) {
    // eslint-disable-next-line no-control-regex
    if (value.length < 1 || value.length > 255 || /[\u0000-\u001f\u007f]/.test(value)) {
      return `The ${field} must be 1 to 255 characters without control characters.`;
    }
  }
  if (namespace === 'coffer' || namespace === 'aws-kms') {
    return `The key namespace "${namespace}" is reserved: use the namespace the other tool wrote.`;
  }
  return null;
}
