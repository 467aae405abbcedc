import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { controlPlaneUnreachable, healthyGroup } from '../../testing/overrides';
import { renderRunners } from '../../testing/render';
import { server } from '../../testing/server';

// The Activity page's chunk, as the browser fetches it: it fails while `chunk.unreachable` is set, as
// it does when the control plane that serves it is down ("Unable to preload CSS for …"). A file of its
// own: once a test has loaded the chunk, the module stays loaded for the rest of the file.
const chunk = vi.hoisted(() => ({ unreachable: true, attempts: 0 }));
vi.mock('./activity', async (importOriginal) => {
  chunk.attempts++;
  if (chunk.unreachable) throw new TypeError('Unable to preload CSS for /assets/activity-Qsm53XCJ.css');
  return importOriginal();
});

const banner = () => screen.queryByText('Reconnecting to the control plane…');

describe('a page whose code cannot load', () => {
  it('keeps the navigation and the banner, and loads by itself once the control plane is back', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    healthyGroup('Production');
    const { user, queryClient } = await renderRunners();
    await screen.findByText('Production');
    controlPlaneUnreachable();
    await queryClient.refetchQueries({ queryKey: ['runner-groups'] });
    await waitFor(() => expect(banner()).toBeInTheDocument());

    await user.click(screen.getByRole('link', { name: 'Activity' }));
    expect(await screen.findByRole('heading', { name: 'This part of the console could not be loaded' })).toBeInTheDocument();
    const nav = screen.getByRole('navigation', { name: 'Main' });
    expect(within(nav).getByRole('link', { name: 'Activity' })).toHaveAttribute('aria-current', 'page');
    expect(within(nav).getByRole('button', { name: /Account menu of admin/ })).toBeInTheDocument();
    expect(banner()).toBeInTheDocument();

    // The control plane answers again: no click, no reload.
    const before = chunk.attempts;
    server.resetHandlers();
    chunk.unreachable = false;
    await queryClient.refetchQueries({ queryKey: ['runner-groups'] });
    expect(await screen.findByRole('heading', { name: 'Activity', level: 1 })).toBeInTheDocument();
    expect(chunk.attempts).toBeGreaterThan(before);
    expect(screen.queryByRole('heading', { name: 'This part of the console could not be loaded' })).not.toBeInTheDocument();
    expect(banner()).not.toBeInTheDocument();
  });
});
