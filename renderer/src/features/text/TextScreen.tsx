import { useId, useState, type FormEvent, type ReactNode } from 'react';
import type { InvokeResponses } from '../../../../shared/ipc-contract.js';
import { call } from '../../bridge.js';
import { CopyButton, EmptyState, ErrorMessage, SubmitRow } from '../../ui/controls.js';
import { useOperation } from '../../ui/use-operation.js';
import { ContextEditor } from './ContextEditor.js';
import { MAX_PLAINTEXT_BYTES, readContext, utf8Length, withContext, type ContextPair } from './context.js';
import { enabledKeys, KeyPicker, keyLabel, useEnabledKeyChoice } from '../../ui/KeyPicker.js';
import type { KeyInfo } from '../../../../shared/kms-responses.js';
import { useKeysStore } from '../../state/keys-store.js';
import { SignPanel } from './SignPanel.js';
import './text.css';

/** RSA ENCRYPT_DECRYPT keys encrypt text with RSAES_OAEP_SHA_256; AES_256 keys with AES-GCM. */
export function rsaEncrypts(key: KeyInfo): boolean {
  return key.key_spec.startsWith('RSA_') && key.key_usage === 'ENCRYPT_DECRYPT';
}

function encryptsText(key: KeyInfo): boolean {
  return key.key_spec === 'AES_256' || rsaEncrypts(key);
}

/** What RSA-OAEP with SHA-256 fits in one ciphertext: the modulus less 2 * 32 + 2 bytes. */
export function rsaLimit(key: KeyInfo): number {
  return Number(key.key_spec.slice('RSA_'.length)) / 8 - 66;
}

/**
 * The KMS console's online tool: up to 4096 bytes of text encrypted directly under a key, and
 * decrypted back, with an encryption context shared by both panels.
 */
export function TextScreen(): ReactNode {
  const [pairs, setPairs] = useState<ContextPair[]>([]);
  const [ciphertextToDecrypt, setCiphertextToDecrypt] = useState('');
  // An RSA ciphertext does not name its key: the Decrypt panel is told which, '' for AES ciphertexts.
  const [rsaKeyId, setRsaKeyId] = useState('');
  const { context, problem } = readContext(pairs);
  return (
    <div className="text-screen">
      <h1>Text</h1>
      <p className="hint">
        Encrypt a short secret — a password, a token, a note of up to {MAX_PLAINTEXT_BYTES} bytes — directly under one of your
        keys, and decrypt it back. For anything larger, use a data key or encrypt it as a file. Sign and verify messages and files
        with a SIGN_VERIFY key below.
      </p>
      <ContextEditor pairs={pairs} onChange={setPairs} problem={problem} />
      <div className="text-panels">
        <EncryptPanel
          context={context}
          contextProblem={problem}
          onDecryptIt={(ciphertext, rsaKey) => {
            setCiphertextToDecrypt(ciphertext);
            setRsaKeyId(rsaKey);
          }}
        />
        <DecryptPanel
          context={context}
          contextProblem={problem}
          ciphertext={ciphertextToDecrypt}
          onCiphertext={setCiphertextToDecrypt}
          rsaKeyId={rsaKeyId}
          onRsaKeyId={setRsaKeyId}
        />
      </div>
      <SignPanel />
    </div>
  );
}

interface PanelProps {
  context: Record<string, string> | undefined;
  contextProblem: string | null;
}

function EncryptPanel({
  context,
  contextProblem,
  onDecryptIt,
}: PanelProps & { onDecryptIt: (ciphertext: string, rsaKeyId: string) => void }): ReactNode {
  const ids = { heading: useId(), plaintext: useId(), counter: useId(), reason: useId(), output: useId(), algorithm: useId() };
  const { keyId, setKeyId, enabled } = useEnabledKeyChoice({ accept: encryptsText });
  const [plaintext, setPlaintext] = useState('');
  const { busy, result, error, run } = useOperation<InvokeResponses['data:encrypt'] & { rsa: boolean }>();
  const key = enabled.find((k) => k.key_id === keyId);
  const rsa = key !== undefined && rsaEncrypts(key);
  const limit = rsa ? rsaLimit(key) : MAX_PLAINTEXT_BYTES;
  const bytes = utf8Length(plaintext);
  const over = bytes > limit;

  const reason = over
    ? rsa
      ? `The text is ${bytes} bytes; an ${key.key_spec} key encrypts at most ${limit} bytes with RSAES_OAEP_SHA_256. Shorten it, or use an AES_256 key.`
      : `The text is ${bytes} bytes; Encrypt takes at most ${MAX_PLAINTEXT_BYTES}. Shorten it, or use a data key for larger data.`
    : contextProblem
      ? 'Fix the encryption context first.'
      : rsa && context
        ? 'RSAES_OAEP_SHA_256 ciphertexts carry no encryption context: remove the context pairs, or choose an AES_256 key.'
        : !keyId
          ? 'Choose a key first.'
          : bytes === 0
            ? 'Type or paste the text to encrypt.'
            : null;

  function submit(event: FormEvent): void {
    event.preventDefault();
    if (reason || busy) return;
    void run(async () =>
      rsa
        ? {
            ...(await call('data:encrypt', { key_id: keyId, plain_text: plaintext, encryption_algorithm: 'RSAES_OAEP_SHA_256' })),
            rsa: true,
          }
        : { ...(await call('data:encrypt', { key_id: keyId, plain_text: plaintext, ...withContext(context) })), rsa: false },
    );
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
          <KeyPicker keyId={keyId} keys={enabled} onChange={setKeyId} describedBy={ids.algorithm} />
          <p className="hint" id={ids.algorithm}>
            {rsa
              ? `Algorithm: RSAES_OAEP_SHA_256 (RSA-OAEP, SHA-256). An ${key.key_spec} key encrypts at most ${limit} bytes, and the ciphertext carries no encryption context.`
              : `Algorithm: SYMMETRIC_DEFAULT (AES-256-GCM), up to ${MAX_PLAINTEXT_BYTES} bytes.`}
          </p>
          <label htmlFor={ids.plaintext}>Plaintext</label>
          <textarea
            id={ids.plaintext}
            rows={6}
            value={plaintext}
            aria-describedby={`${ids.counter} ${ids.algorithm}`}
            aria-invalid={over}
            onChange={(e) => setPlaintext(e.target.value)}
          />
          <p id={ids.counter} className={over ? 'text-byte-counter over' : 'text-byte-counter'}>
            {bytes} / {limit} bytes
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
            Encrypted with {usedKey ? keyLabel(usedKey) : result.key_id}, version {result.key_version}
            {result.rsa ? ', RSAES_OAEP_SHA_256' : ''}.
          </p>
          <div className="text-actions">
            <CopyButton text={result.cipher_text} label="Copy ciphertext" />
            <button
              type="button"
              className="secondary"
              onClick={() => onDecryptIt(result.cipher_text, result.rsa ? result.key_id : '')}
            >
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
  rsaKeyId,
  onRsaKeyId,
}: PanelProps & {
  ciphertext: string;
  onCiphertext: (c: string) => void;
  rsaKeyId: string;
  onRsaKeyId: (id: string) => void;
}): ReactNode {
  const ids = { heading: useId(), input: useId(), reason: useId(), output: useId(), binary: useId(), rsaHint: useId() };
  const { busy, result, error, run } = useOperation<InvokeResponses['data:decrypt']>();
  const rsaKeys = enabledKeys(
    useKeysStore((s) => s.keys),
    rsaEncrypts,
  );
  const rsaKey = rsaKeys.find((k) => k.key_id === rsaKeyId);
  const reason = contextProblem
    ? 'Fix the encryption context first.'
    : ciphertext.trim() === ''
      ? 'Paste the ciphertext to decrypt.'
      : rsaKey && context
        ? 'RSAES_OAEP_SHA_256 ciphertexts carry no encryption context: remove the context pairs.'
        : null;

  function submit(event: FormEvent): void {
    event.preventDefault();
    if (reason || busy) return;
    void run(() =>
      call(
        'data:decrypt',
        rsaKey
          ? { cipher_text: ciphertext.trim(), key_id: rsaKey.key_id, encryption_algorithm: 'RSAES_OAEP_SHA_256' }
          : { cipher_text: ciphertext.trim(), ...withContext(context) },
      ),
    );
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
        {rsaKeys.length > 0 && (
          <>
            <KeyPicker
              label="RSA key (RSA ciphertexts only)"
              keyId={rsaKey ? rsaKeyId : ''}
              keys={rsaKeys}
              onChange={onRsaKeyId}
              leading={[{ value: '', label: 'None: an AES_256 ciphertext', detail: 'the key is read from it' }]}
              describedBy={ids.rsaHint}
            />
            <p className="hint" id={ids.rsaHint}>
              An RSAES_OAEP_SHA_256 ciphertext does not name its key: choose the RSA key it was made for.
            </p>
          </>
        )}
        <p className="hint">
          {rsaKey
            ? `Decrypted with ${keyLabel(rsaKey)}'s private key (RSAES_OAEP_SHA_256).`
            : 'The key is read from the ciphertext; give the same encryption context it was made with.'}
        </p>
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
