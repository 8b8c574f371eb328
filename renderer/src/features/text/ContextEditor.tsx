import type { ReactNode } from 'react';
import { ContextPairsEditor, type PairLabels } from '../../ui/ContextPairsEditor.js';
import { newPair, type ContextPair } from './context.js';

const LABELS: PairLabels = {
  name: (n) => `Context name ${n}`,
  value: (n) => `Context value ${n}`,
  remove: (n) => `Remove context pair ${n}`,
  add: 'Add context pair',
};

/** The encryption context of the Text and Data keys screens: pairs bound to a ciphertext as associated data. */
export function ContextEditor({
  pairs,
  onChange,
  problem,
}: {
  pairs: readonly ContextPair[];
  onChange: (pairs: ContextPair[]) => void;
  problem: string | null;
}): ReactNode {
  return (
    <ContextPairsEditor<ContextPair>
      legend="Encryption context (optional)"
      hint="Name/value pairs bound to the ciphertext. Decrypting needs exactly the same pairs; names and values are case-sensitive."
      emptyHint="No pairs: the ciphertext is bound to no context."
      labels={LABELS}
      pairs={pairs}
      onChange={onChange}
      create={() => newPair()}
      problem={problem}
    />
  );
}
