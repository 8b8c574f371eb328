import * as contacts from '../core/kms/contact-operations.js';
import type { DomainHandlers } from './handler-types.js';
import type { VaultSession } from './vault-session.js';

/** Sharing: the contacts files are encrypted for (a key's public key file to send is a keys: channel). */
export function contactHandlers(session: VaultSession): DomainHandlers<'contacts'> {
  const vault = () => session.unlocked();
  return {
    'contacts:list': () => contacts.listContacts(vault()),
    'contacts:add': (r) => contacts.addContact(vault(), r),
    'contacts:remove': (r) => contacts.removeContact(vault(), r),
  };
}
