import { describe, expect, it } from 'vitest';
import { FakeClock } from '../clock';
import { type AlertState, alertDecision, displayUrl, type Health, nextAttemptAt, nextPieceSize, outcomeOfHttp, retryPolicy, wants } from './decisions';

const t0 = '2026-03-01T12:00:00.000Z';

/** Drives one group through a sequence of health observations, one pass per step, on a fake clock. */
function run(steps: Array<{ after: number; health: Health; changedAt?: number }>, alertAfterSeconds = 60) {
  const clock = new FakeClock(t0);
  const start = clock.now().getTime();
  let state: AlertState | null = null;
  const fired: Array<{ at: number; type: string }> = [];
  for (const s of steps) {
    clock.set(new Date(start + s.after * 1000));
    const changedAt = s.changedAt === undefined ? null : new Date(start + s.changedAt * 1000);
    const d = alertDecision(state, { health: s.health, changedAt }, clock.now(), alertAfterSeconds);
    state = d.next;
    if (d.fire) fired.push({ at: s.after, type: d.fire });
  }
  return { fired, state };
}

describe('alert rules (PRODUCT.md §12): once per outage, then one recovery', () => {
  it('sends group.down only after the group has been down for the alert delay, once', () => {
    const { fired } = run([
      { after: 0, health: 'healthy' },
      { after: 10, health: 'down', changedAt: 10 },
      { after: 69, health: 'down' },
      { after: 70, health: 'down' },
      { after: 71, health: 'down' },
      { after: 500, health: 'down' },
    ]);
    expect(fired).toEqual([{ at: 70, type: 'group.down' }]);
  });

  it('counts the outage from when the data says it began, not from when it was first looked at', () => {
    // A replica that takes over at 65 s, or a restart, sees a group that went down at 10 s.
    const { fired } = run([{ after: 65, health: 'down', changedAt: 10 }, { after: 70, health: 'down' }]);
    expect(fired).toEqual([{ at: 70, type: 'group.down' }]);
  });

  it('sends nothing for a short blip, and group.recovered once after an alert, never without one', () => {
    expect(
      run([
        { after: 0, health: 'healthy' },
        { after: 1, health: 'down', changedAt: 1 },
        { after: 30, health: 'healthy' },
        { after: 31, health: 'healthy' },
      ]).fired,
    ).toEqual([]);
    expect(
      run([
        { after: 0, health: 'down', changedAt: 0 },
        { after: 60, health: 'down' },
        { after: 61, health: 'healthy' },
        { after: 62, health: 'healthy' },
        { after: 200, health: 'down', changedAt: 200 },
        { after: 260, health: 'down' },
        { after: 261, health: 'healthy' },
      ]).fired,
    ).toEqual([
      { at: 60, type: 'group.down' },
      { at: 61, type: 'group.recovered' },
      { at: 260, type: 'group.down' },
      { at: 261, type: 'group.recovered' },
    ]);
  });

  it('sends group.degraded after the delay, and at once when a group that was down comes back part way', () => {
    expect(
      run([
        { after: 0, health: 'healthy' },
        { after: 5, health: 'degraded', changedAt: 5 },
        { after: 64, health: 'degraded' },
        { after: 65, health: 'degraded' },
        { after: 90, health: 'healthy' },
      ]).fired,
    ).toEqual([
      { at: 65, type: 'group.degraded' },
      { at: 90, type: 'group.recovered' },
    ]);
    const { fired, state } = run([
      { after: 0, health: 'down', changedAt: 0 },
      { after: 60, health: 'down' },
      { after: 70, health: 'degraded', changedAt: 70 },
      { after: 71, health: 'degraded' },
    ]);
    expect(fired).toEqual([
      { at: 60, type: 'group.down' },
      { at: 70, type: 'group.degraded' },
    ]);
    expect(state?.alertsSent).toEqual(['group.down', 'group.degraded']);
  });

  it('escalates a degraded alert to down after the delay, and recovers once from both', () => {
    const r = run([
      { after: 0, health: 'degraded', changedAt: 0 },
      { after: 60, health: 'degraded' },
      { after: 100, health: 'down', changedAt: 100 },
      { after: 159, health: 'down' },
      { after: 160, health: 'down' },
      { after: 170, health: 'healthy' },
    ]);
    expect(r.fired.map((f) => f.type)).toEqual(['group.degraded', 'group.down', 'group.recovered']);
  });

  it('never alerts for a group waiting for its first runner', () => {
    expect(run([{ after: 0, health: 'waiting' }, { after: 1000, health: 'waiting' }]).fired).toEqual([]);
  });
});

describe('retries: from 10 s, doubling, for up to 24 h', () => {
  it('waits 10, 20, 40 … seconds, at most an hour, and gives up past 24 h after the event', () => {
    const clock = new FakeClock(t0);
    const created = clock.now();
    const waits: number[] = [];
    for (let attempts = 1; ; attempts++) {
      const next = nextAttemptAt(created, attempts, clock.now());
      if (!next) break;
      waits.push((next.getTime() - clock.now().getTime()) / 1000);
      clock.set(next);
    }
    expect(waits.slice(0, 10)).toEqual([10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600]);
    expect(Math.max(...waits)).toBe(retryPolicy.maxDelaySeconds);
    const total = waits.reduce((a, b) => a + b, 0);
    expect(total).toBeLessThanOrEqual(24 * 3600);
    expect(total).toBeGreaterThan(23 * 3600);
    // The last attempt happened within 24 h; one more wait would pass it.
    expect(nextAttemptAt(created, waits.length + 1, clock.now())).toBeNull();
  });

  it('delivers on 2xx, retries other answers, and disables the channel on 410', () => {
    expect(outcomeOfHttp(200)).toEqual({ status: 'delivered' });
    expect(outcomeOfHttp(204)).toEqual({ status: 'delivered' });
    expect(outcomeOfHttp(500)).toMatchObject({ status: 'failed', disable: false, error: 'HTTP 500' });
    expect(outcomeOfHttp(302)).toMatchObject({ status: 'failed', disable: false });
    expect(outcomeOfHttp(404)).toMatchObject({ status: 'failed', disable: false });
    expect(outcomeOfHttp(410)).toMatchObject({ status: 'failed', disable: true });
  });
});

describe('which channels hear an event', () => {
  const all = {
    enabled: true,
    events: ['group.down', 'group.degraded', 'group.recovered', 'update.succeeded', 'update.rolled_back', 'instance.ended'] as const,
    groupIds: null,
    causes: null,
  };
  const ch = (over: Partial<Parameters<typeof wants>[0]> = {}) => ({ ...all, events: [...all.events], ...over });

  it('filters by enabled, event type and group (all groups by default)', () => {
    expect(wants(ch(), { type: 'group.down', groupId: 'g1' })).toBe(true);
    expect(wants(ch({ enabled: false }), { type: 'group.down', groupId: 'g1' })).toBe(false);
    expect(wants(ch({ events: ['update.rolled_back'] }), { type: 'group.down', groupId: 'g1' })).toBe(false);
    expect(wants(ch({ groupIds: ['g2'] }), { type: 'group.down', groupId: 'g1' })).toBe(false);
    expect(wants(ch({ groupIds: ['g1', 'g2'] }), { type: 'group.down', groupId: 'g1' })).toBe(true);
  });

  it('hears every cause of instance.ended but completed, sigterm and replaced unless it chooses', () => {
    for (const cause of ['oom_killed', 'killed', 'crash', 'lost'] as const) {
      expect(wants(ch(), { type: 'instance.ended', groupId: 'g', cause })).toBe(true);
    }
    for (const cause of ['completed', 'sigterm', 'replaced'] as const) {
      expect(wants(ch(), { type: 'instance.ended', groupId: 'g', cause })).toBe(false);
    }
    expect(wants(ch({ causes: ['sigterm'] }), { type: 'instance.ended', groupId: 'g', cause: 'sigterm' })).toBe(true);
    expect(wants(ch({ causes: ['sigterm'] }), { type: 'instance.ended', groupId: 'g', cause: 'crash' })).toBe(false);
  });

  it('sends group.recovered only to channels that heard an alert of that outage', () => {
    const downOnly = ch({ events: ['group.down', 'group.recovered'] });
    expect(wants(downOnly, { type: 'group.recovered', groupId: 'g', recoveredFrom: ['group.down'] })).toBe(true);
    expect(wants(downOnly, { type: 'group.recovered', groupId: 'g', recoveredFrom: ['group.degraded'] })).toBe(false);
    expect(wants(ch({ events: ['group.recovered'] }), { type: 'group.recovered', groupId: 'g', recoveredFrom: ['group.down'] })).toBe(false);
  });
});

describe('addresses as console users see them', () => {
  it('hides the credential part of a Slack address from everyone and webhook query values from viewers', () => {
    const slack = 'https://hooks.slack.com/services/T0001/B0002/abcdefghijklmnopqrstuvwx';
    for (const role of ['admin', 'viewer'] as const) {
      const shown = displayUrl('slack', slack, role);
      expect(shown).toBe('https://hooks.slack.com/services/T0001/B0002/••••uvwx');
      expect(shown).not.toContain('abcdefghijklmnop');
    }
    const hook = 'https://ops.example.com/hooks/paddock?token=t0ps3cret&team=a';
    expect(displayUrl('webhook', hook, 'admin')).toBe(hook);
    expect(displayUrl('webhook', hook, 'viewer')).toBe('https://ops.example.com/hooks/paddock?token=••••&team=••••');
  });
});

describe('alert pass pieces: sized to about 50 ms each from what the last piece cost', () => {
  it('shrinks at once to the groups that fit when a piece was slow', () => {
    // 20 groups in 1,623 ms (81 ms a group: a retention backlog not yet vacuumed) → one group a piece.
    expect(nextPieceSize(20, 20, 1623)).toBe(1);
    // 10 groups in 100 ms (10 ms a group) → 5.
    expect(nextPieceSize(10, 10, 100)).toBe(5);
  });

  it('grows at most twofold after a cheap piece, and never past 100 groups', () => {
    expect(nextPieceSize(4, 4, 1)).toBe(8);
    expect(nextPieceSize(1, 1, 0)).toBe(2);
    expect(nextPieceSize(80, 80, 2)).toBe(100);
  });

  it('is neither shrunk nor grown past twice what it measured by a cheap short piece', () => {
    // 2 groups of a planned 16, quickly: 16 stays, and 2 cheap groups do not make it 32.
    expect(nextPieceSize(16, 2, 1)).toBe(16);
    expect(nextPieceSize(2, 2, 1)).toBe(4);
  });

  it('keeps at least one group, however slow one group was', () => {
    expect(nextPieceSize(1, 1, 5000)).toBe(1);
  });
});
