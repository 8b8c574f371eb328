/** One row of the encryption-context editor; `id` only keeps React rows stable. */
export interface ContextPair {
  id: number;
  name: string;
  value: string;
}

let nextPairId = 1;

export function newPair(name = '', value = ''): ContextPair {
  return { id: nextPairId++, name, value };
}

/**
 * The request's encryption_context from the editor's rows: blank rows are ignored; a value
 * without a name, or a name given twice, is a problem in plain words (the bridge would refuse it
 * or silently keep only one). No pairs gives `undefined`, so the request leaves the field out.
 */
export function readContext(pairs: readonly ContextPair[]): {
  context: Record<string, string> | undefined;
  problem: string | null;
} {
  const context: Record<string, string> = {};
  let count = 0;
  for (const [index, pair] of pairs.entries()) {
    if (pair.name === '' && pair.value === '') continue;
    if (pair.name === '') return { context: undefined, problem: `Context pair ${index + 1} has a value but no name.` };
    if (Object.hasOwn(context, pair.name)) {
      return { context: undefined, problem: `The context name "${pair.name}" appears twice; give each name once.` };
    }
    context[pair.name] = pair.value;
    count += 1;
  }
  return { context: count > 0 ? context : undefined, problem: null };
}

/** The limit of encrypt-data, in UTF-8 bytes. */
export const MAX_PLAINTEXT_BYTES = 4096;

const encoder = new TextEncoder();

export function utf8Length(text: string): number {
  return encoder.encode(text).length;
}

/** The request fields for an encryption context: none at all when there is no context. */
export function withContext(context: Record<string, string> | undefined): { encryption_context?: Record<string, string> } {
  return context ? { encryption_context: context } : {};
}
