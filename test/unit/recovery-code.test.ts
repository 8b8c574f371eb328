import { describe, expect, it } from 'vitest';
import { formatRecoveryCode, newRecoveryCode, parseRecoveryCode } from '../../electron/core/vault/recovery-code.js';

describe('recovery codes', () => {
  it('are 160 random bits in 8 groups of 4 characters that are hard to misread', () => {
    const { code, secret } = newRecoveryCode();
    expect(secret).toHaveLength(20);
    expect(code).toMatch(/^([0-9A-HJKMNP-TV-Z]{4}-){7}[0-9A-HJKMNP-TV-Z]{4}$/);
    expect(newRecoveryCode().code).not.toBe(code);
  });

  it('read back as typed by a person: any case, spaces, O for 0 and I or L for 1', () => {
    for (let i = 0; i < 200; i += 1) {
      const { code, secret } = newRecoveryCode();
      expect(parseRecoveryCode(code)).toEqual(secret);
      const sloppy = code.toLowerCase().replace(/-/g, ' ').replace(/0/g, 'o').replace(/1/g, 'l');
      expect(parseRecoveryCode(sloppy)).toEqual(secret);
    }
    expect(formatRecoveryCode(Buffer.alloc(20))).toBe('0000-0000-0000-0000-0000-0000-0000-0000');
  });

  it('refuse anything of the wrong length or alphabet with a sentence saying what a code looks like', () => {
    for (const bad of ['', 'ABCD', `${newRecoveryCode().code}-AAAA`, 'UUUU-UUUU-UUUU-UUUU-UUUU-UUUU-UUUU-UUUU']) {
      expect(() => parseRecoveryCode(bad)).toThrow(/recovery code: it has 32 letters and digits/);
    }
  });
});
