import { existsSync } from 'node:fs';
import { osKeychain } from '../../electron/core/vault/keychain.js';

/**
 * The suite needs the built CLI (integration tests run `coffer` as a user would) and a real
 * Secret Service (npm test provides a throwaway one through scripts/with-test-keyring.sh).
 */
export default async function setup(): Promise<void> {
  if (!existsSync(new URL('../../dist/electron/cli/coffer.bundle.cjs', import.meta.url))) {
    throw new Error('The CLI is not built: run `npm run build` (npm test does it for you).');
  }
  try {
    await osKeychain.get('Coffer-test', 'probe');
  } catch (error) {
    throw new Error(
      `No Secret Service is reachable (${(error as Error).message}). Run the tests with \`npm test\`, ` +
        'which starts a private D-Bus session with a throwaway gnome-keyring (needs: apt-get install dbus gnome-keyring).',
      { cause: error },
    );
  }
}
