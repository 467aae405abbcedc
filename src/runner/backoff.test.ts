import { describe, expect, it } from 'vitest';
import { backoffDelayMs, heartbeatDelayMs } from './backoff';

describe('heartbeatDelayMs', () => {
  it('stays within ±10 % of the interval', () => {
    expect(heartbeatDelayMs(5, () => 0)).toBe(4500);
    expect(heartbeatDelayMs(5, () => 0.5)).toBe(5000);
    expect(heartbeatDelayMs(5, () => 0.999999)).toBe(5500);
  });
});

describe('backoffDelayMs', () => {
  it('doubles from the base and is capped at the heartbeat interval', () => {
    const top = (n: number) => backoffDelayMs(n, 5, () => 0.999999);
    expect([1, 2, 3, 4, 5, 6, 20, 1000].map(top)).toEqual([250, 500, 1000, 2000, 4000, 5000, 5000, 5000]);
  });

  it('jitters between half and all of the step', () => {
    expect(backoffDelayMs(3, 5, () => 0)).toBe(500);
    expect(backoffDelayMs(3, 5, () => 0.5)).toBe(750);
  });

  it('never caps below one second', () => {
    expect(backoffDelayMs(10, 0.1, () => 0.999999)).toBe(1000);
  });
});
