import { useId, useState, type FormEvent, type ReactNode } from 'react';
import type { InvokeResponses } from '../../../../shared/ipc-contract.js';
import { call } from '../../bridge.js';
import { CopyButton, ErrorMessage, SubmitRow } from '../../ui/controls.js';
import { useOperation } from '../../ui/use-operation.js';
import { ContextEditor } from '../text/ContextEditor.js';
import { readContext, withContext, type ContextPair } from '../text/context.js';
import { KeyPicker, keyLabel, useEnabledKeyChoice } from '../../ui/KeyPicker.js';
import { wholeNumber } from './encoding.js';
import { HexResult } from './HexResult.js';
import './datakeys.css';
import '../text/text.css';

/**
 * Envelope encryption by hand: data keys made, wrapped and unwrapped under a CMK, and random
 * bytes. The data-key operations speak hex; every result is also shown in Base64.
 */
export function DataKeysScreen(): ReactNode {
  const { keyId, setKeyId, enabled } = useEnabledKeyChoice();
  const [pairs, setPairs] = useState<ContextPair[]>([]);
  const [toDecrypt, setToDecrypt] = useState('');
  const { context, problem } = readContext(pairs);
  const shared: SharedProps = { keyId, context, contextProblem: problem };
  const usedKeyName = (id: string): string => {
    const key = enabled.find((k) => k.key_id === id);
    return key ? keyLabel(key) : id;
  };
  return (
    <div className="datakeys-screen">
      <h1>Data keys</h1>
      <p className="hint">
        A data key encrypts large data outside Coffer; Coffer keeps only the key that wraps it. Keep the encrypted data key beside
        your data, and decrypt it here (or with <code>coffer decrypt-datakey</code>) when you need the data key back.
      </p>
      <section className="card" aria-label="Key and encryption context">
        {enabled.length === 0 ? (
          <p className="hint">
            No enabled key: create a key on the Keys screen, or enable one, to create or encrypt data keys. Decrypting a data key
            and generating random bytes work without one.
          </p>
        ) : (
          <KeyPicker keyId={keyId} keys={enabled} onChange={setKeyId} />
        )}
        <ContextEditor pairs={pairs} onChange={setPairs} problem={problem} />
      </section>
      <div className="datakeys-sections">
        <CreateSection {...shared} keyName={usedKeyName} onDecryptIt={setToDecrypt} />
        <DecryptSection {...shared} ciphertext={toDecrypt} onCiphertext={setToDecrypt} keyName={usedKeyName} />
        <EncryptSection {...shared} keyName={usedKeyName} />
        <RandomSection />
      </div>
    </div>
  );
}

interface SharedProps {
  keyId: string;
  context: Record<string, string> | undefined;
  contextProblem: string | null;
}

/** What stops a section that wraps under the chosen key, before its own fields are read. */
function keyAndContextReason(keyId: string, contextProblem: string | null): string | null {
  return !keyId ? 'Choose a key first.' : contextProblem ? 'Fix the encryption context first.' : null;
}

function BitsField({ label, bits, onChange }: { label: string; bits: string; onChange: (bits: string) => void }): ReactNode {
  return (
    <label>
      {label}
      <input
        type="number"
        inputMode="numeric"
        min={8}
        max={8192}
        step={8}
        value={bits}
        onChange={(e) => onChange(e.target.value)}
      />
    </label>
  );
}

function HexInput({
  label,
  rows,
  value,
  onChange,
}: {
  label: string;
  rows: number;
  value: string;
  onChange: (hex: string) => void;
}): ReactNode {
  const id = useId();
  return (
    <>
      <label htmlFor={id}>{label}</label>
      <textarea
        id={id}
        className="text-mono"
        rows={rows}
        spellCheck={false}
        value={value}
        onChange={(e) => onChange(e.target.value)}
      />
    </>
  );
}

/** A data key shown in hex and Base64 under the key and version that wrap it and its length. */
function WrappedDataKey({
  wrap,
  keyName,
  label,
  hex,
}: {
  wrap: { key_id: string; key_version: number; datakey_length: string };
  keyName: (id: string) => string;
  label: string;
  hex: string;
}): ReactNode {
  return (
    <>
      <p className="hint">
        Wrapped by {keyName(wrap.key_id)}, version {wrap.key_version}; {wrap.datakey_length} bytes.
      </p>
      <HexResult label={label} hex={hex} />
    </>
  );
}

function CreateSection({
  keyId,
  context,
  contextProblem,
  keyName,
  onDecryptIt,
}: SharedProps & { keyName: (id: string) => string; onDecryptIt: (hex: string) => void }): ReactNode {
  const ids = { heading: useId(), reason: useId() };
  const [bits, setBits] = useState('256');
  const [withPlaintext, setWithPlaintext] = useState(true);
  const op = useOperation<InvokeResponses['datakey:create']>();
  const length = wholeNumber(bits);
  const reason = keyAndContextReason(keyId, contextProblem) ?? (length === null ? 'Give the length in bits, such as 256.' : null);

  function submit(event: FormEvent): void {
    event.preventDefault();
    if (reason || length === null || op.busy) return;
    const request = { key_id: keyId, datakey_length: length, ...withContext(context) };
    void op.run(() => call(withPlaintext ? 'datakey:create' : 'datakey:create-without-plaintext', request));
  }

  return (
    <section className="card" aria-labelledby={ids.heading}>
      <h2 id={ids.heading}>Create a data key</h2>
      <form onSubmit={submit} aria-labelledby={ids.heading}>
        <BitsField label="Data key length in bits" bits={bits} onChange={setBits} />
        <label className="datakeys-check">
          <input type="checkbox" checked={withPlaintext} onChange={(e) => setWithPlaintext(e.target.checked)} />
          Also return the plaintext data key
        </label>
        <p className="hint">Without it, you get only the encrypted data key, to decrypt later where the data is used.</p>
        <SubmitRow label="Create data key" busyLabel="Creating…" busy={op.busy} reason={reason} reasonId={ids.reason} />
      </form>
      <ErrorMessage message={op.error} />
      {op.result && (
        <>
          <p className="hint">
            Made with {keyName(op.result.key_id)}, version {op.result.key_version}.
          </p>
          {op.result.plain_text !== undefined && <HexResult label="Plaintext data key" hex={op.result.plain_text} />}
          <HexResult label="Encrypted data key" hex={op.result.cipher_text} />
          <div className="text-actions">
            <button type="button" className="secondary" onClick={() => onDecryptIt(op.result?.cipher_text ?? '')}>
              Decrypt it
            </button>
          </div>
        </>
      )}
    </section>
  );
}

function DecryptSection({
  context,
  contextProblem,
  ciphertext,
  onCiphertext,
  keyName,
}: SharedProps & { ciphertext: string; onCiphertext: (hex: string) => void; keyName: (id: string) => string }): ReactNode {
  const ids = { heading: useId(), reason: useId(), digest: useId() };
  const op = useOperation<InvokeResponses['datakey:decrypt']>();
  const reason = contextProblem
    ? 'Fix the encryption context first.'
    : ciphertext.trim() === ''
      ? 'Paste an encrypted data key.'
      : null;

  function submit(event: FormEvent): void {
    event.preventDefault();
    if (reason || op.busy) return;
    void op.run(() => call('datakey:decrypt', { cipher_text: ciphertext.trim(), ...withContext(context) }));
  }

  return (
    <section className="card" aria-labelledby={ids.heading}>
      <h2 id={ids.heading}>Decrypt a data key</h2>
      <form onSubmit={submit} aria-labelledby={ids.heading}>
        <HexInput label="Encrypted data key to decrypt (hex)" rows={4} value={ciphertext} onChange={onCiphertext} />
        <p className="hint">The key is read from the encrypted data key; give the encryption context it was made with.</p>
        <SubmitRow label="Decrypt data key" busyLabel="Decrypting…" busy={op.busy} reason={reason} reasonId={ids.reason} />
      </form>
      <ErrorMessage message={op.error} />
      {op.result && (
        <>
          <WrappedDataKey wrap={op.result} keyName={keyName} label="Decrypted data key" hex={op.result.data_key} />
          <label htmlFor={ids.digest}>SHA-256 of the data key (hex)</label>
          <div className="datakeys-hex-row">
            <textarea id={ids.digest} className="text-mono" rows={2} readOnly value={op.result.datakey_dgst} />
            <CopyButton text={op.result.datakey_dgst} label="Copy SHA-256" />
          </div>
        </>
      )}
    </section>
  );
}

function EncryptSection({
  keyId,
  context,
  contextProblem,
  keyName,
}: SharedProps & { keyName: (id: string) => string }): ReactNode {
  const ids = { heading: useId(), lengthHint: useId(), reason: useId() };
  const [hex, setHex] = useState('');
  const [bytes, setBytes] = useState('');
  const op = useOperation<InvokeResponses['datakey:encrypt']>();
  const compact = hex.trim();
  const explicit = bytes.trim() === '' ? null : wholeNumber(bytes);
  const length = bytes.trim() === '' ? compact.length / 2 : explicit;
  const reason =
    keyAndContextReason(keyId, contextProblem) ??
    (compact === ''
      ? 'Paste the data key in hex.'
      : length === null
        ? 'Give the data key length as a whole number of bytes, or leave it empty.'
        : !Number.isInteger(length)
          ? 'The hex has an odd number of digits: each byte takes two.'
          : null);

  function submit(event: FormEvent): void {
    event.preventDefault();
    if (reason || length === null || op.busy) return;
    void op.run(() =>
      call('datakey:encrypt', { key_id: keyId, plain_text: compact, datakey_plain_length: length, ...withContext(context) }),
    );
  }

  return (
    <section className="card" aria-labelledby={ids.heading}>
      <h2 id={ids.heading}>Encrypt a data key</h2>
      <form onSubmit={submit} aria-labelledby={ids.heading}>
        <HexInput label="Data key to encrypt (hex)" rows={3} value={hex} onChange={setHex} />
        <label>
          Data key length in bytes
          <input
            type="number"
            inputMode="numeric"
            min={1}
            max={1024}
            value={bytes}
            placeholder={compact ? String(Math.floor(compact.length / 2)) : ''}
            aria-describedby={ids.lengthHint}
            onChange={(e) => setBytes(e.target.value)}
          />
        </label>
        <p id={ids.lengthHint} className="hint">
          Leave it empty to wrap the whole hex. Give it when the key is followed by its SHA-256, which is then checked.
        </p>
        <SubmitRow label="Encrypt data key" busyLabel="Encrypting…" busy={op.busy} reason={reason} reasonId={ids.reason} />
      </form>
      <ErrorMessage message={op.error} />
      {op.result && <WrappedDataKey wrap={op.result} keyName={keyName} label="Wrapped data key" hex={op.result.cipher_text} />}
    </section>
  );
}

function RandomSection(): ReactNode {
  const ids = { heading: useId(), reason: useId() };
  const [bits, setBits] = useState('256');
  const op = useOperation<InvokeResponses['random:generate']>();
  const length = wholeNumber(bits);
  const reason = length === null ? 'Give the length in bits, such as 256.' : null;

  function submit(event: FormEvent): void {
    event.preventDefault();
    if (length === null || op.busy) return;
    void op.run(() => call('random:generate', { random_data_length: length }));
  }

  return (
    <section className="card" aria-labelledby={ids.heading}>
      <h2 id={ids.heading}>Random bytes</h2>
      <form onSubmit={submit} aria-labelledby={ids.heading}>
        <BitsField label="Random length in bits" bits={bits} onChange={setBits} />
        <p className="hint">Random bytes from the operating system's secure generator, for salts, nonces or keys.</p>
        <SubmitRow label="Generate random bytes" busyLabel="Generating…" busy={op.busy} reason={reason} reasonId={ids.reason} />
      </form>
      <ErrorMessage message={op.error} />
      {op.result && <HexResult label="Random bytes" hex={op.result.random_data} />}
    </section>
  );
}
