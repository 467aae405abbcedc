import { screen, waitFor, within } from '@testing-library/react';
import { HttpResponse, http } from 'msw';
import { afterEach, describe, expect, it } from 'vitest';
import { api } from '../../../../contract';
import { startLiveEvents } from '../../../lib/live-events';
import { audit, db, seedGroup } from '../../../testing/db';
import { ago, buildAuditEvent } from '../../../testing/factories';
import { auditNeverLoads } from '../../../testing/overrides';
import { renderApp, renderWithProviders } from '../../../testing/render';
import { server } from '../../../testing/server';
import { FakeEventSource } from '../../../testing/fake-event-source';
import { ActivityPage } from './activity-page';

function seedAudit(count: number) {
  const a = seedGroup({ name: 'Alpha' });
  const b = seedGroup({ name: 'Beta' });
  for (let i = 0; i < count; i++) {
    const g = i % 2 === 0 ? a : b;
    db.audit.push(
      buildAuditEvent({
        at: ago(i * 60),
        actor: i % 3 === 0 ? 'dana' : 'admin',
        action: i % 4 === 0 ? 'group.renamed' : 'update.requested',
        groupId: g.id,
        groupName: g.name,
        // Each entry's sentence is its own: a rename from, or an update to, a numbered name or version.
        detail: i % 4 === 0 ? { from: `old-${i}`, to: g.name } : { targetVersion: `1.${i}.0` },
      }),
    );
  }
  return { a, b };
}

/** The audit endpoint fails (named state). */
function auditAnswers500() {
  server.use(http.get(api.auditEvents, () => HttpResponse.json({ type: 'about:blank', title: 'Internal', status: 500 }, { status: 500 })));
}

const rows = () => screen.getAllByRole('row').slice(1);


let stopLive: (() => void) | null = null;
afterEach(() => {
  stopLive?.();
  stopLive = null;
});

/** The Activity page alone, following a live event stream the test drives. */
function renderLiveActivity() {
  const r = renderWithProviders(<ActivityPage groups={[...db.groups.values()].map((g) => ({ id: g.id, name: g.name }))} />);
  stopLive = startLiveEvents(r.queryClient, { EventSourceImpl: FakeEventSource as unknown as typeof EventSource, batchMs: 10 });
  FakeEventSource.last!.open();
  return r;
}

describe('Activity page', () => {
  it('lists who did what to which group, and pages with Load more', async () => {
    seedAudit(70);
    const { user } = renderApp('/activity');
    await screen.findByRole('heading', { name: 'Activity', level: 1 });
    await waitFor(() => expect(rows()).toHaveLength(50));
    expect(within(rows()[0]!).getAllByRole('cell').map((c) => c.textContent)).toEqual([
      expect.stringMatching(/UTC[+-]\d\d:\d\d$/),
      'dana',
      'dana renamed old-0 to Alpha',
    ]);
    await user.click(screen.getByRole('button', { name: 'Load more' }));
    await waitFor(() => expect(rows()).toHaveLength(70));
    expect(screen.getByText('That is everything.')).toBeInTheDocument();
  });

  it('filters by group and by user', async () => {
    seedAudit(20);
    const { user } = renderApp('/activity');
    await waitFor(() => expect(rows()).toHaveLength(20));
    await user.selectOptions(screen.getByLabelText('Group'), 'Beta');
    await waitFor(() => expect(rows()).toHaveLength(10));
    expect(rows().every((r) => r.textContent?.includes('Beta'))).toBe(true);
    await user.type(screen.getByLabelText('User'), 'dana{Enter}');
    await waitFor(() => expect(rows().every((r) => r.textContent?.includes('dana'))).toBe(true));
    expect(rows()).toHaveLength(3);
  });

  it('filters by user as you type, without Enter', async () => {
    seedAudit(20);
    const { user } = renderApp('/activity');
    await waitFor(() => expect(rows()).toHaveLength(20));
    await user.type(screen.getByLabelText('User'), 'dana');
    await waitFor(() => expect(rows()).toHaveLength(7));
    expect(rows().every((r) => r.textContent?.includes('dana'))).toBe(true);
  });

  it('matches the user ignoring case', async () => {
    seedAudit(20);
    const { user } = renderApp('/activity');
    await waitFor(() => expect(rows()).toHaveLength(20));
    await user.type(screen.getByLabelText('User'), 'DANA{Enter}');
    await waitFor(() => expect(rows()).toHaveLength(7));
    expect(rows().every((r) => r.textContent?.includes('dana'))).toBe(true);
  });

  it('offers a deleted group, marked (deleted), and filters its history', async () => {
    const { a } = seedAudit(6);
    const gone = seedGroup({ name: 'Old fleet' });
    audit('group.created', gone);
    audit('group.deleted', gone);
    db.groups.delete(gone.id);
    const { user } = renderApp('/activity');
    await waitFor(() => expect(rows()).toHaveLength(8));
    const select = screen.getByLabelText('Group');
    await waitFor(() => expect(within(select).getByRole('option', { name: 'Old fleet (deleted)' })).toBeInTheDocument());
    expect(within(select).getAllByRole('option').map((o) => o.textContent)).toEqual(['All groups', 'Alpha', 'Beta', 'Old fleet (deleted)']);
    await user.selectOptions(select, 'Old fleet (deleted)');
    await waitFor(() => expect(rows()).toHaveLength(2));
    expect(rows().map((r) => within(r).getAllByRole('cell')[2]?.textContent)).toEqual([
      'admin deleted the runner group Old fleet',
      'admin created the runner group Old fleet',
    ]);
    await user.selectOptions(select, 'Alpha');
    await waitFor(() => expect(rows()).toHaveLength(3));
    expect(rows().every((r) => r.textContent?.includes(a.name))).toBe(true);
  });

  it('shows new entries live, at the top, without a reload', async () => {
    const { a } = seedAudit(3);
    renderLiveActivity();
    await waitFor(() => expect(rows()).toHaveLength(3));
    // Another admin renames the group: the server records it and announces the new audit entry.
    audit('group.renamed', a, { from: 'Alpha', to: 'Alpha 2' });
    FakeEventSource.last!.emit('audit', { kind: 'audit', op: 'upsert', groupId: a.id, entityId: 'e1' });
    await waitFor(() => expect(rows()).toHaveLength(4));
    expect(within(rows()[0]!).getAllByRole('cell')[2]?.textContent).toBe('admin renamed Alpha to Alpha');
  });

  it('keeps Load more paging right when entries arrive live', async () => {
    seedAudit(120);
    const { user } = renderLiveActivity();
    await waitFor(() => expect(rows()).toHaveLength(50));
    await user.click(screen.getByRole('button', { name: 'Load more' }));
    await waitFor(() => expect(rows()).toHaveLength(100));
    const oldest = within(rows()[99]!).getAllByRole('cell')[2]?.textContent;
    const g = seedGroup({ name: 'Gamma' });
    audit('group.created', g);
    FakeEventSource.last!.emit('audit', { kind: 'audit', op: 'upsert', groupId: g.id, entityId: 'e2' });
    await waitFor(() => expect(within(rows()[0]!).getAllByRole('cell')[2]?.textContent).toBe('admin created the runner group Gamma'));
    // The loaded pages are walked again from the newest, each page as long as before: the new row
    // on top, and the oldest loaded one moves to the next page, which Load more brings.
    expect(rows()).toHaveLength(100);
    await user.click(screen.getByRole('button', { name: 'Load more' }));
    await waitFor(() => expect(screen.getByText('That is everything.')).toBeInTheDocument());
    expect(rows()).toHaveLength(121);
    expect(within(rows()[100]!).getAllByRole('cell')[2]?.textContent).toBe(oldest);
    const details = rows().map((r) => within(r).getAllByRole('cell')[2]?.textContent);
    expect(new Set(details).size).toBe(121);
  });

  it('says when nothing matches', async () => {
    seedAudit(4);
    const { user } = renderApp('/activity');
    await waitFor(() => expect(rows()).toHaveLength(4));
    await user.type(screen.getByLabelText('User'), 'nobody{Enter}');
    expect(await screen.findByRole('heading', { name: 'No activity matches' })).toBeInTheDocument();
  });

  it('has a loading state', async () => {
    auditNeverLoads();
    renderApp('/activity');
    expect(await screen.findByText('Loading activity…')).toBeInTheDocument();
  });

  it('has an empty state', async () => {
    renderApp('/activity');
    expect(await screen.findByRole('heading', { name: 'No activity yet' })).toBeInTheDocument();
  });

  it('has an error state with a retry', async () => {
    auditAnswers500();
    renderApp('/activity');
    expect(await screen.findByRole('heading', { name: 'Activity could not be loaded' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Try again' })).toBeInTheDocument();
  });

  it('shows names with markup as text', async () => {
    const g = seedGroup({ name: '<img src=x onerror=alert(1)>' });
    db.audit.push(buildAuditEvent({ groupId: g.id, groupName: g.name }));
    renderApp('/activity');
    expect(await screen.findByRole('link', { name: '<img src=x onerror=alert(1)>' })).toBeInTheDocument();
    expect(document.querySelector('img')).toBeNull();
  });

  it('tells runner lifecycle events as sentences linking to the group and the instance, with zoned times', async () => {
    const g = seedGroup({ name: 'Build farm' });
    const entry = (action: string, detail: Record<string, unknown>, secondsAgo: number) =>
      db.audit.push(buildAuditEvent({ at: ago(secondsAgo), actor: 'system', action, groupId: g.id, groupName: g.name, detail }));
    entry('instance.registered', { instanceId: 'ins_1', instanceName: 'farm-1', version: '1.4.0', platform: 'docker' }, 300);
    entry('instance.ended', { instanceId: 'ins_1', instanceName: 'farm-1', cause: 'oom_killed', exitCode: 137, signal: null, reason: 'OOMKilled' }, 200);
    entry('instance.ended', { instanceId: 'ins_2', instanceName: 'farm-2', cause: 'lost', exitCode: null, signal: null, reason: null }, 100);
    entry('update.rolled_back', { updateId: 'u1', reason: 'Deadline passed' }, 50);
    renderApp('/activity');
    await waitFor(() => expect(rows()).toHaveLength(4));
    const what = rows().map((r) => within(r).getAllByRole('cell')[2]?.textContent);
    expect(what).toEqual([
      'The update of Build farm was rolled back: Deadline passed',
      'Runner farm-2 of Build farm was lost: it stayed disconnected and no exit was recorded',
      'Runner farm-1 of Build farm ended: OOMKilled (exit code 137)',
      'Runner farm-1 registered in Build farm (docker, version 1.4.0)',
    ]);
    const ended = rows()[2]!;
    expect(within(ended).getByRole('link', { name: 'farm-1' })).toHaveAttribute('href', `/runners/${g.id}/instances/ins_1`);
    expect(within(ended).getByRole('link', { name: 'Build farm' })).toHaveAttribute('href', `/runners/${g.id}`);
    expect(within(ended).getAllByRole('cell')[1]).toHaveTextContent('system');
    const time = ended.querySelector('time')!;
    expect(time).toHaveAttribute('title', ago(200));
    expect(time.textContent).toMatch(/UTC[+-]\d\d:\d\d$/);
  });

  it('keeps its filters in the address: a pasted /activity?group=&user= opens filtered', async () => {
    const { b } = seedAudit(20);
    renderApp(`/activity?group=${b.id}&user=dana`);
    await waitFor(() => expect(rows()).toHaveLength(3));
    expect(rows().every((r) => r.textContent?.includes('Beta') && r.textContent.includes('dana'))).toBe(true);
    expect(screen.getByLabelText('Group')).toHaveValue(b.id);
    expect(screen.getByLabelText('User')).toHaveValue('dana');
  });
});
