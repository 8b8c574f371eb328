import { useId, useState, type FormEvent, type ReactNode } from 'react';
import type { InvokeResponses } from '../../../../shared/ipc-contract.js';
import { call } from '../../bridge.js';
import { CopyButton, EmptyState, ErrorMessage, SubmitRow } from '../../ui/controls.js';
import { useOperation } from '../../ui/use-operation.js';
import { ContextEditor } from './ContextEditor.js';
import { MAX_PLAINTEXT_BYTES, readContext, utf8Length, withContext, type ContextPair } from './context.js';
import { KeyPicker, keyLabel, useEnabledKeyChoice } from '../../ui/KeyPicker.js';
import './text.css';

/**
 * The KMS console's online tool: up to 4096 bytes of text encrypted directly under a key, and
 * decrypted back, with an encryption context shared by both panels.
 */
export function TextScreen(): ReactNode {
  const [pairs, setPairs] = useState<ContextPair[]>([]);
  const [ciphertextToDecrypt, setCiphertextToDecrypt] = useState('');
  const { context, problem } = readContext(pairs);
  return (
    <div className="text-screen">
      <h1>Text</h1>
      <p className="hint">
        Encrypt a short secret — a password, a token, a note of up to {MAX_PLAINTEXT_BYTES} bytes — directly under one of your
        keys, and decrypt it back. For anything larger, use a data key or encrypt it as a file.
      </p>
      <ContextEditor pairs={pairs} onChange={setPairs} problem={problem} />
      <div className="text-panels">
        <EncryptPanel context={context} contextProblem={problem} onDecryptIt={setCiphertextToDecrypt} />
        <DecryptPanel
          context={context}
          contextProblem={problem}
          ciphertext={ciphertextToDecrypt}
          onCiphertext={setCiphertextToDecrypt}
        />
      </div>
    </div>
  );
}

interface PanelProps {
  context: Record<string, string> | undefined;
  contextProblem: string | null;
}

function EncryptPanel({ context, contextProblem, onDecryptIt }: PanelProps & { onDecryptIt: (c: string) => void }): ReactNode {
  const ids = { heading: useId(), plaintext: useId(), counter: useId(), reason: useId(), output: useId() };
  const { keyId, setKeyId, enabled } = useEnabledKeyChoice();
  const [plaintext, setPlaintext] = useState('');
  const { busy, result, error, run } = useOperation<InvokeResponses['data:encrypt']>();
  const bytes = utf8Length(plaintext);
  const over = bytes > MAX_PLAINTEXT_BYTES;

  const reason = over
    ? `The text is ${bytes} bytes; Encrypt takes at most ${MAX_PLAINTEXT_BYTES}. Shorten it, or use a data key for larger data.`
    : contextProblem
      ? 'Fix the encryption context first.'
      : !keyId
        ? 'Choose a key first.'
        : bytes === 0
          ? 'Type or paste the text to encrypt.'
          : null;

  function submit(event: FormEvent): void {
    event.preventDefault();
    if (reason || busy) return;
    void run(() => call('data:encrypt', { key_id: keyId, plain_text: plaintext, ...withContext(context) }));
  }

  const usedKey = result ? enabled.find((k) => k.key_id === result.key_id) : undefined;
  return (
    <section className="card text-panel" aria-labelledby={ids.heading}>
      <h2 id={ids.heading}>Encrypt</h2>
      {enabled.length === 0 ? (
        <EmptyState title="No enabled key">
          <p>Create a key on the Keys screen, or enable one, to encrypt text. Decrypting works without one.</p>
        </EmptyState>
      ) : (
        <form onSubmit={submit} aria-labelledby={ids.heading}>
          <KeyPicker keyId={keyId} keys={enabled} onChange={setKeyId} />
          <label htmlFor={ids.plaintext}>Plaintext</label>
          <textarea
            id={ids.plaintext}
            rows={6}
            value={plaintext}
            aria-describedby={ids.counter}
            aria-invalid={over}
            onChange={(e) => setPlaintext(e.target.value)}
          />
          <p id={ids.counter} className={over ? 'text-byte-counter over' : 'text-byte-counter'}>
            {bytes} / {MAX_PLAINTEXT_BYTES} bytes
          </p>
          {over && (
            <p id={ids.reason} className="error" role="alert">
              {reason}
            </p>
          )}
          <SubmitRow
            label="Encrypt"
            busyLabel="Encrypting…"
            busy={busy}
            reason={reason}
            reasonId={ids.reason}
            reasonShownElsewhere={over}
          />
        </form>
      )}
      <ErrorMessage message={error} />
      {result && (
        <div className="text-result">
          <label htmlFor={ids.output}>Ciphertext (Base64)</label>
          <textarea id={ids.output} className="text-mono" rows={4} readOnly value={result.cipher_text} />
          <p className="hint">
            Encrypted with {usedKey ? keyLabel(usedKey) : result.key_id}, version {result.key_version}.
          </p>
          <div className="text-actions">
            <CopyButton text={result.cipher_text} label="Copy ciphertext" />
            <button type="button" className="secondary" onClick={() => onDecryptIt(result.cipher_text)}>
              Decrypt it
            </button>
          </div>
        </div>
      )}
    </section>
  );
}

function DecryptPanel({
  context,
  contextProblem,
  ciphertext,
  onCiphertext,
}: PanelProps & { ciphertext: string; onCiphertext: (c: string) => void }): ReactNode {
  const ids = { heading: useId(), input: useId(), reason: useId(), output: useId(), binary: useId() };
  const { busy, result, error, run } = useOperation<InvokeResponses['data:decrypt']>();
  const reason = contextProblem
    ? 'Fix the encryption context first.'
    : ciphertext.trim() === ''
      ? 'Paste the ciphertext to decrypt.'
      : null;

  function submit(event: FormEvent): void {
    event.preventDefault();
    if (reason || busy) return;
    void run(() => call('data:decrypt', { cipher_text: ciphertext.trim(), ...withContext(context) }));
  }

  return (
    <section className="card text-panel" aria-labelledby={ids.heading}>
      <h2 id={ids.heading}>Decrypt</h2>
      <form onSubmit={submit} aria-labelledby={ids.heading}>
        <label htmlFor={ids.input}>Ciphertext to decrypt</label>
        <textarea
          id={ids.input}
          className="text-mono"
          rows={6}
          spellCheck={false}
          value={ciphertext}
          onChange={(e) => onCiphertext(e.target.value)}
        />
        <p className="hint">The key is read from the ciphertext; give the same encryption context it was made with.</p>
        <SubmitRow label="Decrypt" busyLabel="Decrypting…" busy={busy} reason={reason} reasonId={ids.reason} />
      </form>
      <ErrorMessage message={error} />
      {result &&
        (result.plain_text !== null ? (
          <div className="text-result">
            <label htmlFor={ids.output}>Decrypted plaintext</label>
            <textarea id={ids.output} rows={6} readOnly value={result.plain_text} />
            <div className="text-actions">
              <CopyButton text={result.plain_text} label="Copy plaintext" />
            </div>
          </div>
        ) : (
          <div className="text-result">
            <p>The plaintext is binary data, not UTF-8 text, so it is shown as Base64.</p>
            <label htmlFor={ids.binary}>Decrypted plaintext (Base64)</label>
            <textarea id={ids.binary} className="text-mono" rows={4} readOnly value={result.plain_text_base64} />
            <div className="text-actions">
              <CopyButton text={result.plain_text_base64} label="Copy Base64" />
            </div>
          </div>
        ))}
    </section>
  );
}
