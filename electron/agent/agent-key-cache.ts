import { watch, type FSWatcher } from 'node:fs';
import { resolve } from 'node:path';
import { isCacheable, protectionFingerprint, unlocks, type MasterKeyCache } from '../core/vault/master-key-cache.js';
import { VAULT_FILE, vaultPaths } from '../core/vault/vault-paths.js';
import { readVaultFile } from '../core/vault/vault-store.js';

interface HeldKey {
  vmk: Buffer;
  fingerprint: string;
  expiry: NodeJS.Timeout;
  watcher: FSWatcher | undefined;
}

/**
 * The agent's opt-in passphrase cache (`--cache-passphrase SECONDS`): the master key of each
 * passphrase vault a command unlocked, held in this process's memory only, for the chosen time
 * from the moment it was unlocked (like gpg-agent's max-cache-ttl). It is wiped on timeout, on
 * stop, and as soon as the vault file no longer says what it said then (a new passphrase,
 * another protection mode, another vault): the file is watched, and checked again before each use.
 */
export class AgentKeyCache implements MasterKeyCache {
  private readonly held = new Map<string, HeldKey>();

  /** `seconds` 0 holds nothing. */
  constructor(readonly seconds: number) {}

  get size(): number {
    return this.held.size;
  }

  async get(dir: string): Promise<Buffer | null> {
    const key = resolve(dir);
    const entry = this.held.get(key);
    if (!entry) return null;
    if (!(await this.stillValid(key, entry))) {
      this.drop(key);
      return null;
    }
    return Buffer.from(entry.vmk);
  }

  /** Holds the key only if it unlocks the vault file as it is on disk now. */
  async put(dir: string, vmk: Buffer): Promise<void> {
    if (this.seconds <= 0) return;
    const key = resolve(dir);
    const file = await readVaultFile(vaultPaths(key)).catch(() => null);
    if (!file || !isCacheable(file) || !unlocks(file, vmk)) return;
    this.drop(key);
    const entry: HeldKey = {
      vmk: Buffer.from(vmk),
      fingerprint: protectionFingerprint(file),
      // The agent lives on its own idle timer; this one only wipes the key.
      expiry: setTimeout(() => this.drop(key), this.seconds * 1000).unref(),
      watcher: this.watchVault(key),
    };
    this.held.set(key, entry);
  }

  async forget(dir: string): Promise<void> {
    this.drop(resolve(dir));
  }

  /** Wipes every held key (the agent is stopping). */
  clear(): void {
    for (const key of [...this.held.keys()]) this.drop(key);
  }

  private async stillValid(key: string, entry: HeldKey): Promise<boolean> {
    const file = await readVaultFile(vaultPaths(key)).catch(() => null);
    return file !== null && isCacheable(file) && protectionFingerprint(file) === entry.fingerprint && unlocks(file, entry.vmk);
  }

  /** A change to the vault file (every save is a rename onto it) is checked at once. */
  private watchVault(key: string): FSWatcher | undefined {
    try {
      const watcher = watch(key, { persistent: false }, (_event, name) => {
        if (name !== null && name !== VAULT_FILE) return;
        const entry = this.held.get(key);
        if (!entry) return;
        void this.stillValid(key, entry).then((valid) => {
          if (!valid && this.held.get(key) === entry) this.drop(key);
        });
      });
      watcher.on('error', () => undefined);
      return watcher;
    } catch {
      return undefined; // no watching here: the check before each use still holds
    }
  }

  private drop(key: string): void {
    const entry = this.held.get(key);
    if (!entry) return;
    this.held.delete(key);
    entry.vmk.fill(0);
    clearTimeout(entry.expiry);
    entry.watcher?.close();
  }
}
