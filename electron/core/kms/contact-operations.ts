import * as z from 'zod';
import { CofferError } from '../../../shared/errors.js';
import { isRsaSpec } from '../../../shared/key-specs.js';
import type { ContactView } from '../../../shared/ipc-contract.js';
import { parseRequest } from '../../../shared/kms-schemas.js';
import { publicKeyFingerprint } from '../crypto/asymmetric-keys.js';
import { keyNaming } from '../keyrings/key-naming.js';
import { readPublicKeyFile, writePublicKeyFile } from '../keyrings/public-key-file.js';
import { assertUsable, keySpecOf, keyUsageOf, resolveKey } from '../vault/key-lifecycle.js';
import type { Contact, VaultState } from '../vault/vault-file.js';
import type { Vault } from '../vault/vault.js';

/**
 * Sharing files with people: a key's public key file to send (get-publickey --out), and the
 * contacts files are encrypted for (encrypt-file --recipient). Contacts live in the vault file,
 * under its MAC like the keys, and every change is audited.
 */
const CONTACT_NAME = /^[\p{L}\p{N}][\p{L}\p{N} ._@+-]{0,63}$/u;

export const AddContactRequest = z.strictObject({ name: z.string(), public_key_file: z.string() });
export const ContactNameRequest = z.strictObject({ name: z.string() });

export type { ContactView };

function view(contact: Contact): ContactView {
  return {
    name: contact.name,
    fingerprint: contact.fingerprint,
    key_spec: contact.key_spec,
    key_namespace: contact.key_namespace,
    key_name: contact.key_name,
    added: String(contact.added),
  };
}

function validateName(name: string): void {
  if (!CONTACT_NAME.test(name)) {
    throw new CofferError(
      'COFFER.8007',
      `The contact name "${name.slice(0, 80)}" is not valid: use 1 to 64 letters, digits, spaces, '.', '_', '@', '+' or '-', starting with a letter or digit.`,
    );
  }
}

/** The public key file of an RSA ENCRYPT_DECRYPT key: what others add as a contact to encrypt files for its holder. */
export async function publicKeyFile(
  vault: Vault,
  keyRef: string,
): Promise<{ key_id: string; fingerprint: string; text: string }> {
  const state = await vault.refresh();
  const key = resolveKey(state as VaultState, keyRef);
  assertUsable(key);
  const spec = keySpecOf(key);
  if (!isRsaSpec(spec) || keyUsageOf(key) !== 'ENCRYPT_DECRYPT' || key.public_key === undefined) {
    throw new CofferError(
      'COFFER.8003',
      `Key ${key.key_id} is ${spec} ${keyUsageOf(key)}: files can be encrypted only for an RSA key with key usage ENCRYPT_DECRYPT ` +
        '(create one with --key-spec RSA_3072 --key-usage ENCRYPT_DECRYPT).',
    );
  }
  const der = Buffer.from(key.public_key, 'base64');
  const { namespace, name } = keyNaming(key, 1);
  const fingerprint = publicKeyFingerprint(der);
  return {
    key_id: key.key_id,
    fingerprint,
    text: writePublicKeyFile({ keySpec: spec, keyNamespace: namespace, keyName: name, publicKey: der, fingerprint }),
  };
}

export async function addContact(vault: Vault, input: unknown): Promise<{ contact: ContactView }> {
  const request = parseRequest(AddContactRequest, input);
  validateName(request.name);
  const key = readPublicKeyFile(request.public_key_file);
  const contact = await vault.mutate('add-contact', (draft, context) => {
    const contacts = draft.contacts ?? [];
    if (contacts.some((c) => c.name === request.name)) {
      throw new CofferError(
        'COFFER.8006',
        `A contact is already named "${request.name}": remove it first (coffer remove-contact --name ...) or choose another name.`,
      );
    }
    const added: Contact = {
      name: request.name,
      key_spec: key.keySpec,
      key_namespace: key.keyNamespace,
      key_name: key.keyName,
      public_key: key.publicKey.toString('base64'),
      fingerprint: key.fingerprint,
      added: context.now,
    };
    draft.contacts = [...contacts, added];
    return {
      result: added,
      events: [{ operation: 'add-contact', outcome: 'success', detail: `${request.name} ${key.fingerprint}` }],
    };
  });
  return { contact: view(contact) };
}

export async function listContacts(vault: Vault): Promise<{ contacts: ContactView[]; total: number }> {
  const state = await vault.refresh();
  const contacts = (state.contacts ?? []).map(view);
  return { contacts, total: contacts.length };
}

export async function removeContact(vault: Vault, input: unknown): Promise<{ contact: ContactView; removed: true }> {
  const request = parseRequest(ContactNameRequest, input);
  const removed = await vault.mutate('remove-contact', (draft) => {
    const contact = (draft.contacts ?? []).find((c) => c.name === request.name);
    if (!contact) {
      throw new CofferError(
        'COFFER.8005',
        `No contact is named "${request.name.slice(0, 80)}": run \`coffer list-contacts\` to see them.`,
      );
    }
    draft.contacts = (draft.contacts ?? []).filter((c) => c !== contact);
    return {
      result: contact,
      events: [{ operation: 'remove-contact', outcome: 'success', detail: `${contact.name} ${contact.fingerprint}` }],
    };
  });
  return { contact: view(removed), removed: true };
}
