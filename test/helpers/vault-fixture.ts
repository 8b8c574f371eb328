import { Vault, type VaultEnvironment } from '../../electron/core/vault/vault.js';
import { removeDir, tempDir } from './cli.js';

/** A clock the test moves by hand, so rotation and deletion can fall due. */
export class TestClock {
  now = Date.UTC(2026, 0, 1);
  readonly read = (): number => this.now;
  advanceDays(days: number): void {
    this.now += days * 86_400_000;
  }
}

export interface VaultFixture {
  dir: string;
  clock: TestClock;
  env: VaultEnvironment;
  vault: Vault;
  recoveryCode: string;
  dispose(): Promise<void>;
}

/** A real vault in a temporary folder, its master key in the (test session's) real keychain. */
export async function keychainVault(): Promise<VaultFixture> {
  const dir = await tempDir();
  const clock = new TestClock();
  const env: VaultEnvironment = { dir, clock: clock.read };
  const { vault, recoveryCode } = await Vault.init(env, { mode: 'keychain' });
  return { dir, clock, env, vault, recoveryCode, dispose: () => removeDir(dir) };
}
