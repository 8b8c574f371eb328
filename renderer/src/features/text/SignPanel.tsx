import { useId, useState, type FormEvent, type ReactNode } from 'react';
import type { KeyInfo } from '../../../../shared/kms-responses.js';
import {
  signingAlgorithmsFor,
  signingHashOf,
  type AsymmetricKeySpec,
  type MessageType,
  type SigningAlgorithm,
} from '../../../../shared/key-specs.js';
import { call, messageOf } from '../../bridge.js';
import { CopyButton, EmptyState, ErrorMessage } from '../../ui/controls.js';
import { KeyPicker, useEnabledKeyChoice } from '../../ui/KeyPicker.js';
import { MAX_PLAINTEXT_BYTES, utf8Length } from './context.js';

const HASH_BYTES = { sha256: 32, sha384: 48, sha512: 64 } as const;

export function signs(key: KeyInfo): boolean {
  return key.key_spec !== 'AES_256' && key.key_usage === 'SIGN_VERIFY';
}

/** The text as Huawei's `message` (Base64): RAW is the text's UTF-8; DIGEST is the digest itself, given as Base64. */
function messageOfText(text: string, type: MessageType): string {
  if (type === 'DIGEST') return text.replace(/\s+/g, '');
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function digestProblem(text: string, algorithm: SigningAlgorithm): string | null {
  const hash = signingHashOf(algorithm);
  const clean = text.replace(/\s+/g, '');
  let length = -1;
  try {
    if (/^[A-Za-z0-9+/]+={0,2}$/.test(clean) && clean.length % 4 === 0) length = atob(clean).length;
  } catch {
    length = -1;
  }
  return length === HASH_BYTES[hash]
    ? null
    : `As DIGEST, give the message's ${hash.toUpperCase()} digest (${HASH_BYTES[hash]} bytes) in Base64, or choose RAW to sign the text itself.`;
}

type Outcome =
  { kind: 'signed'; what: string } | { kind: 'checked'; valid: boolean; what: string } | { kind: 'cancelled' } | null;

/**
 * Huawei KMS's sign and validate-signature with an asymmetric SIGN_VERIFY key: a message typed
 * here (RAW, up to 4096 bytes, or its DIGEST in Base64), or a file of any size, which main picks
 * in its own dialog and signs by its digest. Sign fills the signature; Verify checks it.
 */
export function SignPanel(): ReactNode {
  const ids = {
    heading: useId(),
    algorithm: useId(),
    message: useId(),
    counter: useId(),
    reason: useId(),
    signature: useId(),
    outcome: useId(),
    fileHint: useId(),
  };
  const { keyId, setKeyId, enabled } = useEnabledKeyChoice({ accept: signs });
  const key = enabled.find((k) => k.key_id === keyId);
  const algorithms = key ? signingAlgorithmsFor(key.key_spec as AsymmetricKeySpec) : [];
  const [chosenAlgorithm, setAlgorithm] = useState<SigningAlgorithm | ''>('');
  const algorithm = algorithms.includes(chosenAlgorithm as SigningAlgorithm)
    ? (chosenAlgorithm as SigningAlgorithm)
    : algorithms[0];
  const [messageType, setMessageType] = useState<MessageType>('RAW');
  const [text, setText] = useState('');
  const [signature, setSignature] = useState('');
  const [outcome, setOutcome] = useState<Outcome>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const bytes = utf8Length(text);
  const messageProblem =
    text === ''
      ? 'Type the message first.'
      : messageType === 'RAW'
        ? bytes > MAX_PLAINTEXT_BYTES
          ? `The message is ${bytes} bytes; RAW takes at most ${MAX_PLAINTEXT_BYTES}. Sign its digest (DIGEST), or sign it as a file.`
          : null
        : algorithm
          ? digestProblem(text, algorithm)
          : null;
  const signReason = !key || !algorithm ? 'Choose a signing key first.' : messageProblem;
  const verifyReason = signReason ?? (signature.trim() === '' ? 'Paste or make the signature first.' : null);
  const fileVerifyReason =
    !key || !algorithm ? 'Choose a signing key first.' : signature.trim() === '' ? 'Paste the signature first.' : null;

  async function act(operation: () => Promise<Outcome>): Promise<void> {
    setBusy(true);
    setError(null);
    setOutcome(null);
    try {
      setOutcome(await operation());
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  }

  function sign(event: FormEvent): void {
    event.preventDefault();
    if (signReason || busy || !algorithm) return;
    void act(async () => {
      const result = await call('keys:sign', {
        key_id: keyId,
        signing_algorithm: algorithm,
        message_type: messageType,
        message: messageOfText(text, messageType),
      });
      setSignature(result.signature);
      return { kind: 'signed', what: 'the message' };
    });
  }

  function verify(): void {
    if (verifyReason || busy || !algorithm) return;
    void act(async () => {
      const result = await call('keys:validate-signature', {
        key_id: keyId,
        signing_algorithm: algorithm,
        message_type: messageType,
        message: messageOfText(text, messageType),
        signature: signature.trim(),
      });
      return { kind: 'checked', valid: result.signature_valid === 'true', what: 'the message' };
    });
  }

  function signFile(): void {
    if (!key || !algorithm || busy) return;
    void act(async () => {
      const result = await call('keys:sign-file', { key_id: keyId, signing_algorithm: algorithm });
      if (result.file_name === null) return { kind: 'cancelled' };
      setSignature(result.signature);
      return { kind: 'signed', what: result.file_name };
    });
  }

  function verifyFile(): void {
    if (fileVerifyReason || busy || !algorithm) return;
    void act(async () => {
      const result = await call('keys:validate-file-signature', {
        key_id: keyId,
        signing_algorithm: algorithm,
        signature: signature.trim(),
      });
      if (result.file_name === null) return { kind: 'cancelled' };
      return { kind: 'checked', valid: result.signature_valid === 'true', what: result.file_name };
    });
  }

  return (
    <section className="card text-panel text-sign" aria-labelledby={ids.heading}>
      <h2 id={ids.heading}>Sign and verify</h2>
      {enabled.length === 0 ? (
        <EmptyState title="No signing key">
          <p>
            Create a key with key usage SIGN_VERIFY (an EC_P256, EC_P384 or RSA key) on the Keys screen, or enable one, to sign
            and verify here.
          </p>
        </EmptyState>
      ) : (
        <form onSubmit={sign} aria-labelledby={ids.heading}>
          <KeyPicker label="Signing key" keyId={keyId} keys={enabled} onChange={setKeyId} />
          <label htmlFor={ids.algorithm}>Signing algorithm</label>
          <select
            id={ids.algorithm}
            value={algorithm ?? ''}
            disabled={algorithms.length <= 1}
            onChange={(e) => setAlgorithm(e.target.value as SigningAlgorithm)}
          >
            {algorithms.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
          <fieldset>
            <legend>Message type</legend>
            <label>
              <input type="radio" name="message-type" checked={messageType === 'RAW'} onChange={() => setMessageType('RAW')} />
              RAW: the message itself (up to {MAX_PLAINTEXT_BYTES} bytes)
            </label>
            <label>
              <input
                type="radio"
                name="message-type"
                checked={messageType === 'DIGEST'}
                onChange={() => setMessageType('DIGEST')}
              />
              DIGEST: its {algorithm ? signingHashOf(algorithm).toUpperCase() : 'SHA'} digest, in Base64
            </label>
          </fieldset>
          <label htmlFor={ids.message}>Message</label>
          <textarea
            id={ids.message}
            rows={4}
            value={text}
            spellCheck={messageType === 'RAW'}
            className={messageType === 'DIGEST' ? 'text-mono' : undefined}
            aria-describedby={ids.counter}
            onChange={(e) => setText(e.target.value)}
          />
          <p id={ids.counter} className="text-byte-counter">
            {messageType === 'RAW' ? `${bytes} / ${MAX_PLAINTEXT_BYTES} bytes` : 'Base64 of the digest'}
          </p>
          <div className="text-actions">
            <button type="submit" disabled={signReason !== null || busy} aria-describedby={signReason ? ids.reason : undefined}>
              {busy ? 'Working…' : 'Sign'}
            </button>
            <button
              type="button"
              className="secondary"
              disabled={verifyReason !== null || busy}
              aria-describedby={verifyReason ? ids.reason : undefined}
              onClick={verify}
            >
              Verify signature
            </button>
            {(signReason ?? verifyReason) && (
              <span id={ids.reason} className="hint">
                {signReason ?? verifyReason}
              </span>
            )}
          </div>
          <label htmlFor={ids.signature}>Signature (Base64)</label>
          <textarea
            id={ids.signature}
            className="text-mono"
            rows={3}
            spellCheck={false}
            value={signature}
            onChange={(e) => {
              setSignature(e.target.value);
              setOutcome(null);
            }}
          />
          <div className="text-actions">
            <CopyButton text={signature} label="Copy signature" />
          </div>
          <p className="hint" id={ids.fileHint}>
            A file of any size: Coffer reads it and signs its {algorithm ? signingHashOf(algorithm).toUpperCase() : ''} digest
            (message type DIGEST).
          </p>
          <div className="text-actions">
            <button type="button" className="secondary" disabled={busy} aria-describedby={ids.fileHint} onClick={signFile}>
              Sign a file…
            </button>
            <button
              type="button"
              className="secondary"
              disabled={fileVerifyReason !== null || busy}
              aria-describedby={ids.fileHint}
              onClick={verifyFile}
            >
              Verify a file…
            </button>
          </div>
        </form>
      )}
      <ErrorMessage message={error} />
      <p id={ids.outcome} role="status" className={outcomeClass(outcome)}>
        {outcomeText(outcome)}
      </p>
    </section>
  );
}

function outcomeClass(outcome: Outcome): string {
  if (outcome?.kind === 'checked') return outcome.valid ? 'text-valid' : 'text-invalid';
  return 'hint';
}

function outcomeText(outcome: Outcome): string {
  if (!outcome) return '';
  if (outcome.kind === 'cancelled') return 'No file was chosen: nothing was signed or checked.';
  if (outcome.kind === 'signed') return `Signed ${outcome.what}: the signature is below.`;
  return outcome.valid
    ? `Valid: this signature of ${outcome.what} was made with this key and algorithm.`
    : `Not valid: ${outcome.what}, the signature, the key or the algorithm differs from what was signed.`;
}
