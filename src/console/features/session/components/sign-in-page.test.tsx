import { screen, waitFor, within } from '@testing-library/react';
import { useLocation } from 'react-router';
import { describe, expect, it } from 'vitest';
import { AppRoutes } from '../../../app/router';
import { db } from '../../../testing/db';
import { healthyGroup, signedOut, signInRateLimited } from '../../../testing/overrides';
import { renderApp, renderWithProviders } from '../../../testing/render';

/** The router's current address, path and query, as text. */
function Where() {
  const location = useLocation();
  return <output data-testid="location">{`${location.pathname}${location.search}`}</output>;
}

describe('session', () => {
  it('sends a signed-out visitor to Sign in, then back to the page after signing in', async () => {
    signedOut();
    healthyGroup('Production');
    const { user } = renderApp('/activity');
    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
    // The title is set in an effect after the page renders: wait for it rather than race it.
    await waitFor(() => expect(document.title).toBe('Sign in · Paddock'));
    await user.type(screen.getByLabelText('Username'), 'admin');
    await user.type(screen.getByLabelText('Password'), 'admin-password');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('heading', { name: 'Activity', level: 1 })).toBeInTheDocument();
    expect(screen.getByText('admin')).toBeInTheDocument();
    expect(document.title).toBe('Activity · Paddock');
  });

  it('shows one generic error for a wrong password', async () => {
    signedOut();
    const { user } = renderApp('/');
    await user.type(await screen.findByLabelText('Username'), 'admin');
    await user.type(screen.getByLabelText('Password'), 'wrong');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByText('Sign in failed. Check your username and password.')).toBeInTheDocument();
    // The error is the page's one alert (the empty toast regions carry no role).
    expect(screen.getByRole('alert')).toHaveTextContent('Sign in failed. Check your username and password.');
    expect(db.session).toBeNull();
  });

  it('says when sign in is rate limited', async () => {
    signedOut();
    signInRateLimited();
    const { user } = renderApp('/');
    await user.type(await screen.findByLabelText('Username'), 'admin');
    await user.type(screen.getByLabelText('Password'), 'admin-password');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByText('Too many attempts. Wait a minute and try again.')).toBeInTheDocument();
  });

  it('asks for both fields before calling the server', async () => {
    signedOut();
    const { user } = renderApp('/');
    await user.click(await screen.findByRole('button', { name: 'Sign in' }));
    expect(screen.getByText('Enter your username and password.')).toBeInTheDocument();
  });

  it('puts focus in Username when the page opens', async () => {
    signedOut();
    renderApp('/');
    await waitFor(() => expect(screen.getByLabelText('Username')).toHaveFocus());
  });

  it('signing out from Activity lands on plain Sign in: the next user starts at Runners', async () => {
    healthyGroup('Production');
    const { user } = renderWithProviders(
      <>
        <AppRoutes />
        <Where />
      </>,
      { route: '/activity' },
    );
    await screen.findByRole('heading', { name: 'Activity', level: 1 });
    await user.click(within(screen.getByRole('navigation', { name: 'Main' })).getByRole('button', { name: 'Sign out' }));
    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
    expect(screen.getByTestId('location')).toHaveTextContent(/^\/sign-in$/);
    await user.type(screen.getByLabelText('Username'), 'admin');
    await user.type(screen.getByLabelText('Password'), 'admin-password');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('heading', { name: 'Runners', level: 1 })).toBeInTheDocument();
  });

  it('signs out with the Sign out button in the navigation', async () => {
    healthyGroup('Production');
    const { user } = renderApp('/');
    await screen.findByText('Production');
    await user.click(within(screen.getByRole('navigation', { name: 'Main' })).getByRole('button', { name: 'Sign out' }));
    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
    expect(db.session).toBeNull();
    expect(screen.queryByText('Production')).not.toBeInTheDocument();
  });

  it('goes to Sign in when the session expires (a 401 on any request)', async () => {
    healthyGroup('Production');
    const { queryClient } = renderApp('/');
    await screen.findByText('Production');
    db.session = null;
    await queryClient.refetchQueries({ queryKey: ['runner-groups'] });
    await waitFor(() => expect(screen.getByRole('heading', { name: 'Sign in' })).toBeInTheDocument());
  });

  it('has the left navigation with Runners and Activity', async () => {
    const { user } = renderApp('/');
    expect(await screen.findByRole('navigation', { name: 'Main' })).toBeInTheDocument();
    // / goes to /runners, where the Runners link is the current page.
    await waitFor(() => expect(screen.getByRole('link', { name: 'Runners' })).toHaveAttribute('aria-current', 'page'));
    await user.click(screen.getByRole('link', { name: 'Activity' }));
    expect(await screen.findByRole('heading', { name: 'Activity', level: 1 })).toBeInTheDocument();
  });
});
