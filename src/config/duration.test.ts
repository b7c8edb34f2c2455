import { describe, expect, it } from 'vitest';
import { formatAgeMs } from './duration.js';

describe('formatAgeMs', () => {
  it('shows an age in its two largest units, rounded down', () => {
    expect(formatAgeMs(0)).toBe('0ms');
    expect(formatAgeMs(850.7)).toBe('850ms');
    expect(formatAgeMs(12_999)).toBe('12s');
    expect(formatAgeMs(1_194_123)).toBe('19m 54s');
    expect(formatAgeMs(60_000)).toBe('1m 0s');
    expect(formatAgeMs(3 * 3_600_000 + 5 * 60_000 + 59_000)).toBe('3h 5m');
    expect(formatAgeMs(2 * 86_400_000 + 4 * 3_600_000 + 1)).toBe('2d 4h');
    expect(formatAgeMs(-5)).toBe('0ms');
  });
});
