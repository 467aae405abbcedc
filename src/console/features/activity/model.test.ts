import { expect, it } from 'vitest';
import { buildAuditEvent } from '../../testing/factories';
import { describeAction, describeDetail, describeEvent, groupFilterOptions, newestFirst, sentenceText } from './model';

it.each([
  ['group.created', 'Created the group'],
  ['update.requested', 'Requested an update'],
  ['something.new', 'something.new'],
])('describes %s', (action, text) => {
  expect(describeAction(action)).toBe(text);
});

it('lists details as text pairs', () => {
  expect(describeDetail(buildAuditEvent({ detail: { from: 'a', to: 'b', n: 3, skip: null } }))).toBe('from: a · to: b · n: 3');
});

it('orders the loaded events newest first, each once (ids compared as numbers)', () => {
  const e = (id: string, at: string) => buildAuditEvent({ id, at });
  const events = [e('9', '2026-01-01T10:00:09Z'), e('2', '2026-01-01T10:00:02Z'), e('15', '2026-01-01T10:00:15Z'), e('10', '2026-01-01T10:00:15Z'), e('9', '2026-01-01T10:00:09Z')];
  expect(newestFirst(events).map((x) => x.id)).toEqual(['15', '10', '9', '2']);
});

it('offers the existing groups, then the deleted ones the log holds, marked (deleted)', () => {
  const current = [
    { id: 'g2', name: 'beta' },
    { id: 'g1', name: 'Alpha' },
  ];
  const inLog = [
    { id: 'g1', name: 'Alpha old name', deleted: false },
    { id: 'g3', name: 'Gamma', deleted: false },
    { id: 'g9', name: 'Alpha', deleted: true },
    { id: 'g8', name: 'Old fleet', deleted: true },
  ];
  expect(groupFilterOptions(current, inLog)).toEqual([
    { id: 'g1', label: 'Alpha' },
    { id: 'g2', label: 'beta' },
    { id: 'g3', label: 'Gamma' },
    { id: 'g9', label: 'Alpha (deleted)' },
    { id: 'g8', label: 'Old fleet (deleted)' },
  ]);
  expect(groupFilterOptions(current, [])).toEqual([
    { id: 'g1', label: 'Alpha' },
    { id: 'g2', label: 'beta' },
  ]);
});

const ev = (action: string, detail: Record<string, unknown>, actor = 'system') =>
  buildAuditEvent({ action, actor, groupId: 'g1', groupName: 'Prod', detail });

it.each([
  [ev('group.created', { isDefault: true }, 'admin'), 'admin created the runner group Prod (the default group)'],
  [ev('group.renamed', { from: 'Old', to: 'Prod' }, 'admin'), 'admin renamed Old to Prod'],
  [ev('group.key_rotated', {}, 'admin'), 'admin rotated the registration key of Prod'],
  [ev('update.requested', { targetVersion: '1.5.0' }, 'admin'), 'admin requested an update of Prod to 1.5.0'],
  [ev('update.succeeded', { updateId: 'u' }), 'The update of Prod succeeded'],
  [ev('update.rolled_back', { updateId: 'u', reason: 'r-1 reported an update failure: boom' }), 'The update of Prod was rolled back: r-1 reported an update failure: boom'],
  [ev('instance.registered', { instanceId: 'i', instanceName: 'r-1', version: '1.5.0', platform: 'process' }), 'Runner r-1 registered in Prod (process, version 1.5.0)'],
  [ev('instance.ended', { instanceId: 'i', instanceName: 'r-1', cause: 'sigterm', exitCode: null, signal: 15 }), 'Runner r-1 of Prod ended: SIGTERM (signal 15)'],
  [ev('instance.ended', { instanceId: 'i', instanceName: 'r-1', cause: 'crash', exitCode: 134, signal: null }), 'Runner r-1 of Prod ended: Crash (exit code 134)'],
  [ev('instance.ended', { instanceId: 'i', instanceName: 'r-1', cause: 'replaced', exitCode: 0, signal: null }), 'Runner r-1 of Prod was replaced by an update'],
  [ev('instance.ended', { instanceId: 'i', instanceName: 'r-1', cause: 'lost', exitCode: null, signal: null }), 'Runner r-1 of Prod was lost: it stayed disconnected and no exit was recorded'],
  [ev('instance.stop_requested', { instanceId: 'i', instanceName: 'r-1' }, 'admin'), 'admin asked runner r-1 of Prod to stop'],
  [ev('instance.forgotten', { instanceId: 'i', instanceName: 'r-1' }, 'admin'), 'admin forgot runner r-1 of Prod'],
  [ev('instance.forgotten_ended', { count: 3 }, 'admin'), 'admin forgot 3 ended runners of Prod'],
  [ev('something.new', { a: 1 }, 'admin'), 'admin something.new on Prod (a: 1)'],
])('tells %# as a sentence', (event, text) => {
  expect(sentenceText(describeEvent(event))).toBe(text);
});

it('links the group and the instance to their addresses, but not a forgotten instance', () => {
  const parts = describeEvent(ev('instance.ended', { instanceId: 'ins/1', instanceName: 'r-1', cause: 'oom_killed', exitCode: 137 }));
  expect(parts.filter((p) => typeof p !== 'string')).toEqual([
    { text: 'r-1', to: '/runners/g1/instances/ins%2F1' },
    { text: 'Prod', to: '/runners/g1' },
  ]);
  const forgotten = describeEvent(ev('instance.forgotten', { instanceId: 'i', instanceName: 'r-1' }, 'admin'));
  expect(forgotten.filter((p) => typeof p !== 'string')).toEqual([{ text: 'Prod', to: '/runners/g1' }]);
});
