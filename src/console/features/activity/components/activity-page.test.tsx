import { screen, waitFor, within } from '@testing-library/react';
import { HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
import { api } from '../../../../contract';
import { db, seedGroup } from '../../../testing/db';
import { ago, buildAuditEvent } from '../../../testing/factories';
import { auditNeverLoads } from '../../../testing/overrides';
import { renderApp } from '../../../testing/render';
import { server } from '../../../testing/server';

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
        detail: { n: i },
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

describe('Activity page', () => {
  it('lists who did what to which group, and pages with Load more', async () => {
    seedAudit(70);
    const { user } = renderApp('/activity');
    await screen.findByRole('heading', { name: 'Activity', level: 1 });
    await waitFor(() => expect(rows()).toHaveLength(50));
    expect(within(rows()[0]!).getAllByRole('cell').map((c) => c.textContent)).toEqual([
      expect.any(String),
      'dana',
      'Renamed the group',
      'Alpha',
      'n: 0',
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
    expect(await screen.findByRole('cell', { name: '<img src=x onerror=alert(1)>' })).toBeInTheDocument();
    expect(document.querySelector('img')).toBeNull();
  });
});
