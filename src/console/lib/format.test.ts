import { describe, expect, it } from 'vitest';
import { formatDuration, plural } from './format';

describe('formatDuration', () => {
  it.each([
    [300, '5 minutes'],
    [60, '1 minute'],
    [90, '90 seconds'],
    [30, '30 seconds'],
    [1, '1 second'],
  ])('%i s reads "%s"', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });
});

describe('plural', () => {
  it('counts with the right noun and a thousands separator', () => {
    expect(plural(1, 'instance')).toBe('1 instance');
    expect(plural(2, 'instance')).toBe('2 instances');
    expect(plural(1000, 'group')).toBe('1,000 groups');
  });
});
