import { describe, expect, it } from 'vitest';
import { startsLikeMessage } from '../../electron/core/envelope/algorithm-suites.js';

/** The Files screen offers to decrypt what starts like an ESDK message Coffer reads, whoever wrote it. */
describe('startsLikeMessage', () => {
  const bytes = (...b: number[]) => Uint8Array.from(b);

  it('knows v2 messages, signed (the SDK default, Coffer --signed) or not', () => {
    expect(startsLikeMessage(bytes(0x02, 0x04, 0x78, 0x00))).toBe(true);
    expect(startsLikeMessage(bytes(0x02, 0x05, 0x78, 0x1f))).toBe(true);
  });

  it('knows legacy v1 messages by their type byte and a v1 suite', () => {
    expect(startsLikeMessage(bytes(0x01, 0x80, 0x03, 0x78))).toBe(true);
    expect(startsLikeMessage(bytes(0x01, 0x80, 0x00, 0x14))).toBe(true);
  });

  it('refuses a suite of the other format version, an unknown suite, a wrong type, text and short files', () => {
    expect(startsLikeMessage(bytes(0x02, 0x03, 0x78, 0x00))).toBe(false);
    expect(startsLikeMessage(bytes(0x01, 0x80, 0x04, 0x78))).toBe(false);
    expect(startsLikeMessage(bytes(0x02, 0x12, 0x34, 0x00))).toBe(false);
    expect(startsLikeMessage(bytes(0x01, 0x81, 0x03, 0x78))).toBe(false);
    expect(startsLikeMessage(new TextEncoder().encode('%PDF'))).toBe(false);
    expect(startsLikeMessage(bytes(0x02, 0x04))).toBe(false);
    expect(startsLikeMessage(bytes())).toBe(false);
  });
});
