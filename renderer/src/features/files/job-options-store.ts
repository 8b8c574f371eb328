import { create } from 'zustand';
import type { JobStartRequest } from '../../../../shared/ipc-contract.js';
import { newPair, readContext, type ContextPair } from '../text/context.js';

/** The ESDK suite the CLI's --signed writes: committing, with an ECDSA P-384 signature in the footer. */
export const SIGNED_SUITE = 0x0578;

/** A context pair on the encrypt side: `required` keeps it out of the header (needed to decrypt). */
export interface EncryptContextPair extends ContextPair {
  required: boolean;
}

/**
 * What the Files screen adds to its jobs beyond paths and the key: recipients (contacts, with or
 * without a key of mine), and the ESDK options the CLI has (--signed, --encryption-context with
 * required pairs, --allow-legacy-format). Kept until changed, like the chosen key.
 */
interface JobOptionsState {
  recipients: string[];
  /** Encrypt for the recipients only: no key of this vault wraps the files. */
  withoutKey: boolean;
  signed: boolean;
  encryptPairs: EncryptContextPair[];
  allowLegacy: boolean;
  readPairs: ContextPair[];
  set(change: Partial<Omit<JobOptionsState, 'set' | 'reset'>>): void;
  reset(): void;
}

const INITIAL = {
  recipients: [] as string[],
  withoutKey: false,
  signed: false,
  encryptPairs: [] as EncryptContextPair[],
  allowLegacy: false,
  readPairs: [] as ContextPair[],
};

export const useJobOptionsStore = create<JobOptionsState>((set) => ({
  ...INITIAL,
  set(change) {
    set((state) => {
      const next = { ...state, ...change };
      // "Only the recipients" means nothing without recipients: back to a key of mine.
      if (next.recipients.length === 0) next.withoutKey = false;
      return next;
    });
  },
  reset() {
    set(INITIAL);
  },
}));

export function newEncryptPair(): EncryptContextPair {
  return { ...newPair(), required: false };
}

type Options = Pick<JobOptionsState, keyof typeof INITIAL>;
type ExtraFields = Omit<JobStartRequest, 'action' | 'inputs'>;

/** The encrypt job's fields beyond paths, or the problem that stops it, in plain words. */
export function encryptFields(options: Options, keyId: string): { fields: ExtraFields; problem: string | null } {
  const { context, problem } = readContext(options.encryptPairs);
  const named = options.encryptPairs.filter((p) => p.name !== '' || p.value !== '');
  const required = named.filter((p) => p.required).map((p) => p.name);
  const fields: ExtraFields = {
    key_ids: options.withoutKey ? [] : keyId ? [keyId] : [],
    ...(options.recipients.length > 0 ? { recipients: options.recipients } : {}),
    ...(options.signed ? { algorithm_suite: SIGNED_SUITE } : {}),
    ...(context ? { encryption_context: context } : {}),
    ...(required.length > 0 ? { required_context_keys: required } : {}),
  };
  return { fields, problem: problem ? `Encryption context: ${problem}` : null };
}

/** A decrypt or verify job's fields beyond paths: legacy files allowed, context pairs given back. */
export function readFields(options: Options): { fields: ExtraFields; problem: string | null } {
  const { context, problem } = readContext(options.readPairs);
  return {
    fields: {
      ...(options.allowLegacy ? { allow_legacy_format: true } : {}),
      ...(context ? { encryption_context: context } : {}),
    },
    problem: problem ? `Context to give back: ${problem}` : null,
  };
}
