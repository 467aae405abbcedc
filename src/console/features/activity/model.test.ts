import { expect, it } from 'vitest';
import { buildAuditEvent } from '../../testing/factories';
import { describeAction, describeDetail } from './model';

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
