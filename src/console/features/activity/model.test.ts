import { expect, it } from 'vitest';
import { buildAuditEvent } from '../../testing/factories';
import { describeAction, describeDetail, newestFirst } from './model';

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
