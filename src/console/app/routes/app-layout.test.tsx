import { screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { db } from '../../testing/db';
import { updateRunning } from '../../testing/overrides';
import { renderApp, renderRunners } from '../../testing/render';

describe('app layout', () => {
  it('announces the end of an update while the user is on Activity, once', async () => {
    const { group } = updateRunning('Canary');
    const { queryClient } = renderApp('/activity');
    await screen.findByRole('heading', { name: 'Activity', level: 1 });
    // The layout follows the groups whatever page is open.
    await waitFor(() => expect(queryClient.getQueryData(['runner-groups', 'list'])).toBeDefined());
    db.updates.get(group.id)![0]!.state = 'succeeded';
    await queryClient.invalidateQueries();
    expect(await screen.findByText('Update of Canary to 1.4.0 succeeded')).toBeInTheDocument();
    await waitFor(() => expect(queryClient.isFetching()).toBe(0));
    expect(screen.getAllByText('Update of Canary to 1.4.0 succeeded')).toHaveLength(1);
  });

  it('announces the end of an update on the Runners page once, not once per mounted announcer', async () => {
    const { group } = updateRunning('Blue');
    const { queryClient } = await renderRunners();
    await screen.findByText('Updating to 1.4.0 · 1 of 2');
    const u = db.updates.get(group.id)![0]!;
    u.state = 'rolled_back';
    u.reason = 'blue-2 reported an update failure';
    await queryClient.invalidateQueries();
    await screen.findByText('Update of Blue to 1.4.0 was rolled back');
    // Let every observer of the groups settle, then count.
    await waitFor(() => expect(queryClient.isFetching()).toBe(0));
    expect(screen.getAllByText('Update of Blue to 1.4.0 was rolled back')).toHaveLength(1);
  });
});
