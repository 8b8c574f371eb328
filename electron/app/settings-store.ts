import { readFile } from 'node:fs/promises';
import writeFileAtomic from 'write-file-atomic';
import { DEFAULT_SETTINGS, SettingsSchema, type Settings } from '../../shared/ipc-contract.js';

/** The app's preferences, beside the vault; a damaged or older file falls back to the defaults. */
export class SettingsStore {
  private current: Settings = DEFAULT_SETTINGS;

  constructor(private readonly path: string) {}

  async load(): Promise<Settings> {
    try {
      const parsed = SettingsSchema.partial().safeParse(JSON.parse(await readFile(this.path, 'utf8')));
      this.current = { ...DEFAULT_SETTINGS, ...(parsed.success ? parsed.data : {}) };
    } catch {
      this.current = DEFAULT_SETTINGS;
    }
    return this.current;
  }

  get(): Settings {
    return this.current;
  }

  async update(changes: Partial<Settings>): Promise<Settings> {
    this.current = SettingsSchema.parse({ ...this.current, ...changes });
    await writeFileAtomic(this.path, `${JSON.stringify(this.current, null, 2)}\n`, { mode: 0o600 });
    return this.current;
  }
}
