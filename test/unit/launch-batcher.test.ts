import { describe, expect, it, vi } from 'vitest';
import { LaunchBatcher } from '../../electron/core/shell/launch-batcher.js';

describe('launches from a multi-selection', () => {
  it('arrive as one batch once they stop coming', () => {
    vi.useFakeTimers();
    try {
      const batches: unknown[] = [];
      const batcher = new LaunchBatcher((r) => batches.push(r), 300);
      for (let i = 1; i <= 20; i += 1) {
        batcher.add({ encrypt: [`C:\\Photos\\IMG_${i}.jpg`], decrypt: [] });
        vi.advanceTimersByTime(50);
      }
      batcher.add({ encrypt: [], decrypt: ['C:\\Photos\\old.jpg.coffer'] });
      batcher.add({ encrypt: ['C:\\Photos\\IMG_1.jpg'], decrypt: [] });
      expect(batches).toEqual([]);
      vi.advanceTimersByTime(300);
      expect(batches).toHaveLength(1);
      expect(batches[0]).toEqual({
        encrypt: Array.from({ length: 20 }, (_, i) => `C:\\Photos\\IMG_${i + 1}.jpg`),
        decrypt: ['C:\\Photos\\old.jpg.coffer'],
      });
      batcher.add({ encrypt: [], decrypt: [] });
      vi.advanceTimersByTime(1000);
      expect(batches).toHaveLength(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it('can be released early, and a later selection is a new batch', () => {
    const batches: unknown[] = [];
    const batcher = new LaunchBatcher((r) => batches.push(r), 10_000);
    batcher.add({ encrypt: ['/a'], decrypt: [] });
    batcher.release();
    batcher.add({ encrypt: ['/b'], decrypt: [] });
    batcher.release();
    expect(batches).toEqual([
      { encrypt: ['/a'], decrypt: [] },
      { encrypt: ['/b'], decrypt: [] },
    ]);
  });
});
