import { describe, expect, it } from 'vitest';
import { compare, report, type Figure } from './figures.js';

const higher = (value: number, gated = true): Figure => ({
  name: 'h',
  what: 'x',
  value,
  better: 'higher',
  gated,
});
const lower = (value: number, gated = true): Figure => ({
  name: 'l',
  what: 'x',
  value,
  better: 'lower',
  gated,
});

describe('baseline comparison', () => {
  it('flags a gated figure 15-50 % worse as a regression and over 50 % as a failure, either direction', () => {
    expect(compare(higher(0.9), 1).verdict).toBe('ok');
    expect(compare(higher(0.8), 1).verdict).toBe('regression');
    expect(compare(higher(0.4), 1).verdict).toBe('fail');
    expect(compare(lower(1.1), 1).verdict).toBe('ok');
    expect(compare(lower(1.3), 1).verdict).toBe('regression');
    expect(compare(lower(1.6), 1).verdict).toBe('fail');
  });

  it('calls a clear improvement better, with a positive change', () => {
    const up = compare(higher(1.5), 1);
    expect(up.verdict).toBe('better');
    expect(up.change).toBeCloseTo(0.5);
    const down = compare(lower(0.5), 1);
    expect(down.verdict).toBe('better');
    expect(down.change).toBeCloseTo(1);
  });

  it('never fails a figure that is not gated: flags it over 50 % worse, prints it otherwise', () => {
    expect(compare(lower(10, false), 1).verdict).toBe('regression');
    expect(compare(higher(0.1, false), 1).verdict).toBe('regression');
    expect(compare(lower(1.4, false), 1).verdict).toBe('printed');
    expect(compare(higher(2, false), 1).verdict).toBe('printed');
    expect(compare(higher(1), undefined).verdict).toBe('new');
  });

  it('reports every figure on a line of its own, failures in capitals', () => {
    const text = report([compare(lower(2), 1), compare(higher(1.2), 1)]);
    const lines = text.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toContain('FAIL');
    expect(lines[1]).toContain('-50.0 %');
    expect(lines[2]).toContain('+20.0 %');
  });
});
