import { useId, type ReactNode } from 'react';
import { CopyButton } from '../../ui/controls.js';
import { hexToBase64 } from './encoding.js';

/**
 * One binary result twice: hex as the KMS gives it and Base64 converted here, each with its own
 * Copy button. Fields are labelled "<label> (hex)" and "<label> (Base64)".
 */
export function HexResult({ label, hex }: { label: string; hex: string }): ReactNode {
  const hexId = useId();
  const base64Id = useId();
  const base64 = hexToBase64(hex);
  const lower = label.charAt(0).toLowerCase() + label.slice(1);
  return (
    <div className="datakeys-hex-result">
      <label htmlFor={hexId}>{label} (hex)</label>
      <div className="datakeys-hex-row">
        <textarea id={hexId} className="text-mono" rows={2} readOnly value={hex} />
        <CopyButton text={hex} label={`Copy ${lower} as hex`} />
      </div>
      <label htmlFor={base64Id}>{label} (Base64)</label>
      <div className="datakeys-hex-row">
        <textarea id={base64Id} className="text-mono" rows={2} readOnly value={base64} />
        <CopyButton text={base64} label={`Copy ${lower} as Base64`} />
      </div>
    </div>
  );
}
