import { createRequire } from 'node:module';

// canonicalize ships CommonJS with an ESM-style declaration; load it the way Node really does.
const serialize = createRequire(import.meta.url)('canonicalize') as (input: unknown) => string | undefined;

/** RFC 8785 canonical JSON, so a MAC never depends on key order or spacing. */
export function canonicalJson(value: unknown): string {
  const text = serialize(value);
  if (text === undefined) throw new TypeError('value cannot be serialized as JSON');
  return text;
}
