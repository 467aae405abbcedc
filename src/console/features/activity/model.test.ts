import { expect, it } from 'vitest';
import { buildAuditEvent } from '../../testing/factories';
import { describeAction, describeDetail, groupFilterOptions, newestFirst } from './model';

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
