import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { db } from '../../../testing/db';
import {
  controlPlaneUnreachable,
  degradedGroup,
  disconnectedGroup,
  groupBehind,
  healthyGroup,
  manyGroups,
  rolledBack,
  runnerGroupsNeverLoad,
  serverAnswers503ToRunnerGroups,
  updateRunning,
  updatedYesterday,
  viewerSession,
  waitingGroup,
} from '../../../testing/overrides';
import { renderApp, renderRunners } from '../../../testing/render';

const row = (name: string) => {
  const cell = screen.getByText(name, { exact: true });
  const r = cell.closest('[role="row"]');
  if (!(r instanceof HTMLElement)) throw new Error(`no row for ${name}`);
  return r;
};

describe('Runners page', () => {
  it('shows a loading state while groups load', async () => {
    runnerGroupsNeverLoad();
    renderApp('/');
    expect(await screen.findByText('Loading runner groups…')).toBeInTheDocument();
  });

  it('shows an error with a retry when the server answers 503', async () => {
    serverAnswers503ToRunnerGroups();
    await renderRunners();
    const alert = (await screen.findByRole('heading', { name: 'Runner groups could not be loaded' })).closest('section')!;
    expect(alert).toHaveAttribute('role', 'alert');
    expect(within(alert).getByRole('button', { name: 'Try again' })).toBeEnabled();
  });

  it('explains runner groups and offers New Runner Group when there are none', async () => {
    await renderRunners();
    expect(await screen.findByRole('heading', { name: 'No runner groups yet' })).toBeInTheDocument();
    expect(screen.getByText(/A runner group is a pool of self-hosted runners/)).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'New Runner Group' })).toBeEnabled();
  });

  it('lists each group with its health label and reasons, Default badge, counts, versions and behind badge', async () => {
    healthyGroup('Production');
    groupBehind('Staging');
    disconnectedGroup('Edge');
    waitingGroup('Fresh');
    await renderRunners();
    await screen.findByText('Production');
    expect(within(row('Production')).getByText('Healthy · 3 of 3')).toBeInTheDocument();
    expect(within(row('Production')).getByText('Default')).toBeInTheDocument();
    expect(within(row('Staging')).getByText('Healthy · 2 of 2')).toBeInTheDocument();
    expect(within(row('Staging')).getByText('1.3.0')).toBeInTheDocument();
    expect(within(row('Staging')).getByText('behind')).toBeInTheDocument();
    expect(within(row('Production')).queryByText('behind')).not.toBeInTheDocument();
    // Down after runners had registered, and why, in words; the reasons describe the label.
    const down = within(row('Edge')).getByText('Down · 0 of 1');
    expect(down.closest('[data-tone]')).toHaveAttribute('data-tone', 'red');
    expect(down.closest('[data-tone]')).toHaveAccessibleDescription('1 disconnected');
    expect(within(row('Fresh')).getByText('Waiting for first runner')).toBeInTheDocument();
    // Each label is written once on the page (the Health filter's options do not repeat them).
    expect(screen.getAllByText('Waiting for first runner')).toHaveLength(1);
    expect(screen.getAllByText('Down · 0 of 1')).toHaveLength(1);
    expect(screen.getByRole('button', { name: 'More actions for Edge' })).toBeInTheDocument();
  });

  it('reads a degraded group from the list alone: amber, "Degraded · 1 of 1", and why (issue 15)', async () => {
    degradedGroup('Build farm');
    await renderRunners();
    const label = await screen.findByText('Degraded · 1 of 1');
    const dot = label.closest('[data-tone]');
    expect(dot).toHaveAttribute('data-tone', 'amber');
    expect(dot).toHaveAccessibleDescription('1 Crash in the last hour; 1 Killed in the last hour');
    expect(within(row('Build farm')).getByText('1 Crash in the last hour; 1 Killed in the last hour')).toBeVisible();
  });

  it('puts problems first: down, degraded, waiting, healthy', async () => {
    healthyGroup('Aardvark');
    waitingGroup('Bison');
    degradedGroup('Cobra');
    disconnectedGroup('Dingo');
    await renderRunners();
    await screen.findByText('Aardvark');
    const names = screen
      .getAllByRole('row')
      .slice(1)
      .map((r) => within(r).getAllByRole('cell')[1]?.textContent?.replace('Default', ''));
    expect(names).toEqual(['Dingo', 'Cobra', 'Bison', 'Aardvark']);
  });

  it('shows the Last update: "Rolled back · 2 h ago" with its reason, "Updated to 1.4.0 · 1 d ago", else —', async () => {
    rolledBack('Staging');
    updatedYesterday('Production');
    waitingGroup('Fresh');
    await renderRunners();
    await screen.findByText('Staging');
    expect(within(row('Staging')).getByText('Rolled back · 2 h ago')).toHaveAttribute('title', expect.stringMatching(/^\d{4}-/));
    expect(within(row('Staging')).getByText('Update to 1.4.0: Deadline passed: staging-1 did not report 1.4.0 within 300 s')).toBeVisible();
    // The rollback also degrades the group for a day, and says so.
    expect(within(row('Staging')).getByText('Degraded · 1 of 1')).toBeInTheDocument();
    expect(within(row('Staging')).getByText('update to 1.4.0 rolled back 2 h ago')).toBeInTheDocument();
    expect(within(row('Production')).getByText('Updated to 1.4.0 · 1 d ago')).toBeInTheDocument();
    expect(within(row('Fresh')).getAllByRole('cell')[4]).toHaveTextContent(/^—$/);
  });

  it('searches, filters by health and sorts', async () => {
    healthyGroup('Production');
    groupBehind('Staging');
    disconnectedGroup('Edge');
    const { user } = await renderRunners();
    await screen.findByText('Production');
    const names = () =>
      screen
        .getAllByRole('row')
        .slice(1)
        .map((r) => within(r).getAllByRole('cell')[1]?.textContent?.replace('Default', ''));
    // Problems first by default.
    expect(names()).toEqual(['Edge', 'Production', 'Staging']);
    await user.selectOptions(screen.getByLabelText('Sort by'), 'name');
    expect(names()).toEqual(['Edge', 'Production', 'Staging']);
    await user.type(screen.getByLabelText('Search'), 'stag');
    expect(names()).toEqual(['Staging']);
    await user.clear(screen.getByLabelText('Search'));
    await user.selectOptions(screen.getByLabelText('Health'), 'down');
    expect(names()).toEqual(['Edge']);
    await user.type(screen.getByLabelText('Search'), 'nothing like it');
    expect(screen.getByRole('heading', { name: 'No runner group matches' })).toBeInTheDocument();
  });

  it('shows update progress while an update runs, and Update is disabled with the reason', async () => {
    updateRunning('Staging');
    const { user } = await renderRunners();
    expect(await screen.findByText('Updating to 1.4.0 · 1 of 2')).toBeInTheDocument();
    expect(screen.getByRole('progressbar', { name: 'Update of Staging to 1.4.0' })).toHaveAttribute('value', '1');
    await user.click(screen.getByRole('button', { name: 'More actions for Staging' }));
    const update = await screen.findByRole('menuitem', { name: 'Update' });
    expect(update).toHaveAttribute('aria-disabled', 'true');
    expect(update).toHaveAccessibleDescription('An update is already running.');
  });

  it('announces a rollback with its reason when the running update ends', async () => {
    const { group } = updateRunning('Staging');
    const { queryClient } = await renderRunners();
    await screen.findByText('Updating to 1.4.0 · 1 of 2');
    const u = db.updates.get(group.id)![0]!;
    u.state = 'rolled_back';
    u.reason = 'staging-2 reported an update failure: image pull failed';
    await queryClient.invalidateQueries();
    const alert = await screen.findByText('Update of Staging to 1.4.0 was rolled back');
    expect(alert.closest('[data-slot="toast"]')).toHaveTextContent('image pull failed. See "Runner upgrade failure"');
    // Announced assertively: the toast sits in the page's alert.
    expect(screen.getByRole('alert')).toHaveTextContent('Update of Staging to 1.4.0 was rolled back');
  });

  it('announces success when the running update ends well', async () => {
    const { group } = updateRunning('Staging');
    const { queryClient } = await renderRunners();
    await screen.findByText('Updating to 1.4.0 · 1 of 2');
    db.updates.get(group.id)![0]!.state = 'succeeded';
    await queryClient.invalidateQueries();
    expect(await screen.findByText('Update of Staging to 1.4.0 succeeded')).toBeInTheDocument();
  });

  it('keeps the last data on screen with the reconnecting banner while the control plane is away', async () => {
    healthyGroup('Production');
    const { queryClient } = await renderRunners();
    await screen.findByText('Production');
    controlPlaneUnreachable();
    await queryClient.refetchQueries({ queryKey: ['runner-groups'] });
    expect(await screen.findByText('Reconnecting to the control plane…')).toBeInTheDocument();
    // The whole text of one element (the icon apart), and the page's live status says it.
    expect(screen.getByText((_, el) => el?.textContent === 'Reconnecting to the control plane…')).toBeInTheDocument();
    expect(screen.getAllByRole('status').some((s) => s.textContent?.includes('Reconnecting to the control plane…'))).toBe(true);
    // Stale: the dot is hollow and says "last known"; the list says as of when, and how long ago.
    const label = screen.getByText('Healthy · 3 of 3');
    expect(label.closest('[data-tone]')).toHaveAttribute('data-stale');
    expect(label.closest('[data-tone]')).toHaveTextContent('Healthy · 3 of 3 (last known)');
    expect(screen.getByText(/^Last known state, as of/)).toHaveTextContent(/as of \d\d:\d\d:\d\d \(\d+ s ago\)/);
  });

  it('still opens Edit from the cache while the control plane is away', async () => {
    healthyGroup('Production');
    const { user, queryClient } = await renderRunners();
    await screen.findByText('Production');
    controlPlaneUnreachable();
    await queryClient.refetchQueries({ queryKey: ['runner-groups'] });
    await screen.findByText('Reconnecting to the control plane…');
    await user.click(screen.getByRole('link', { name: 'Production' }));
    expect(await screen.findByRole('dialog', { name: 'Edit Production' })).toBeInTheDocument();
  });

  it('recovers by itself when the control plane answers again', async () => {
    healthyGroup('Production');
    const { queryClient } = await renderRunners();
    await screen.findByText('Production');
    controlPlaneUnreachable();
    await queryClient.refetchQueries({ queryKey: ['runner-groups'] });
    await screen.findByText('Reconnecting to the control plane…');
    const { server } = await import('../../../testing/server');
    server.resetHandlers();
    await queryClient.refetchQueries({ queryKey: ['runner-groups'] });
    await waitFor(() => expect(screen.queryByText('Reconnecting to the control plane…')).not.toBeInTheDocument());
  });

  it('keeps 1,000 groups under 1,500 DOM nodes', async () => {
    manyGroups(1_000);
    await renderRunners();
    await screen.findByText('1,000 runner groups');
    await screen.findByText('group-0000');
    expect(document.body.querySelectorAll('*').length).toBeLessThanOrEqual(1_500);
    expect(screen.queryByText('group-0999')).not.toBeInTheDocument();
  });

  it('shows viewers the write actions disabled with the reason', async () => {
    viewerSession();
    groupBehind('Staging');
    const { user } = await renderRunners();
    await screen.findByText('Staging');
    const newButton = screen.getByRole('button', { name: 'New Runner Group' });
    expect(newButton).toBeDisabled();
    expect(newButton).toHaveAccessibleDescription(/Viewers can look but not change runners/);
    await user.click(screen.getByRole('button', { name: 'More actions for Staging' }));
    await screen.findByRole('menu');
    for (const name of ['Update', 'Set as Default', 'Rotate key', 'Delete']) {
      const item = screen.getByRole('menuitem', { name });
      expect(item).toHaveAttribute('aria-disabled', 'true');
      expect(item).toHaveAccessibleDescription(/Viewers can look but not change runners/);
    }
    expect(screen.getByRole('menuitem', { name: 'Edit' })).not.toHaveAttribute('aria-disabled');
  });

  it('shows the last update rolled back with its reason in the Edit dialog', async () => {
    rolledBack('Staging');
    const { user } = await renderRunners();
    await user.click(await screen.findByRole('button', { name: 'More actions for Staging' }));
    await user.click(await screen.findByRole('menuitem', { name: 'Edit' }));
    const dialog = await screen.findByRole('dialog', { name: 'Edit Staging' });
    expect(await within(dialog).findByRole('heading', { name: 'Last update to 1.4.0 was rolled back' })).toBeInTheDocument();
    expect(dialog).toHaveTextContent('Deadline passed: staging-1 did not report 1.4.0 within 300 s');
  });
});
