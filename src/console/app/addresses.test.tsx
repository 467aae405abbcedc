import { screen, waitFor, within } from '@testing-library/react';
import { useLocation, useNavigate } from 'react-router';
import { describe, expect, it } from 'vitest';
import { db } from '../testing/db';
import { degradedGroup, healthyGroup, waitingGroup } from '../testing/overrides';
import { renderWithProviders } from '../testing/render';
import { AppRoutes } from './router';

// Every view has an address (PRODUCT.md §3 round 2 "Addresses"): opening a dialog pushes it, Back
// closes it, a pasted one opens the same view, and one of a deleted group or instance says so.

let back: () => void = () => {};
function Probe() {
  const location = useLocation();
  const navigate = useNavigate();
  back = () => navigate(-1);
  return <output data-testid="address">{`${location.pathname}${location.search}`}</output>;
}

function renderAt(address: string) {
  const r = renderWithProviders(
    <>
      <AppRoutes />
      <Probe />
    </>,
    { route: address },
  );
  const address_ = () => screen.getByTestId('address').textContent;
  return { ...r, address: address_ };
}

describe('addresses', () => {
  it('/ goes to /runners', async () => {
    const { address } = renderAt('/');
    await screen.findByRole('heading', { name: 'Runners', level: 1 });
    expect(address()).toBe('/runners');
  });

  it('keeps the list filters and sort in the query, and a pasted one filters the list', async () => {
    healthyGroup('Production');
    degradedGroup('Build farm');
    const { user, address } = renderAt('/runners?health=degraded');
    await screen.findByText('Build farm');
    expect(screen.queryByText('Production')).toBeNull();
    expect(screen.getByLabelText('Health')).toHaveValue('degraded');
    await user.selectOptions(screen.getByLabelText('Health'), 'all');
    await user.selectOptions(screen.getByLabelText('Sort by'), 'name');
    await user.type(screen.getByLabelText('Search'), 'pro');
    await waitFor(() => expect(address()).toBe('/runners?q=pro&sort=name'));
  });

  it('opening Edit pushes /runners/{id}; Back closes it and the list keeps its filters', async () => {
    const g = healthyGroup('Production');
    const { user, address } = renderAt('/runners?q=prod');
    await user.click(await screen.findByRole('link', { name: 'Production' }));
    await screen.findByRole('dialog', { name: 'Edit Production' });
    expect(address()).toBe(`/runners/${g.id}`);
    back();
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(address()).toBe('/runners?q=prod');
    expect(screen.getByLabelText('Search')).toHaveValue('prod');
  });

  it('selecting an instance pushes its address; Back unselects it, Close goes back to the list', async () => {
    const g = degradedGroup('Build farm');
    const { user, address } = renderAt('/runners');
    await user.click(await screen.findByRole('link', { name: 'Build farm' }));
    const dialog = await screen.findByRole('dialog', { name: 'Edit Build farm' });
    await user.click(await within(dialog).findByRole('button', { name: 'farm-2' }));
    await within(dialog).findByRole('region', { name: 'Instance farm-2' });
    expect(address()).toBe(`/runners/${g.id}/instances/ins_deg_crash`);
    back();
    await waitFor(() => expect(within(dialog).queryByRole('region', { name: 'Instance farm-2' })).toBeNull());
    expect(address()).toBe(`/runners/${g.id}`);
    await user.click(within(dialog).getByRole('button', { name: 'farm-3' }));
    await waitFor(() => expect(address()).toBe(`/runners/${g.id}/instances/ins_deg_kill`));
    await user.click(within(screen.getByRole('dialog', { name: 'Edit Build farm' })).getByRole('button', { name: 'Close' }));
    await waitFor(() => expect(address()).toBe('/runners'));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
  });

  it('a pasted instance address opens the dialog with that instance selected and its filters', async () => {
    const g = degradedGroup('Build farm');
    renderAt(`/runners/${g.id}/instances/ins_deg_kill?cause=killed`);
    const dialog = await screen.findByRole('dialog', { name: 'Edit Build farm' });
    expect(await within(dialog).findByRole('region', { name: 'Instance farm-3' })).toHaveTextContent('Killed · exit 137');
    expect(within(dialog).getByRole('button', { name: '1 Killed' })).toHaveAttribute('aria-pressed', 'true');
  });

  it('a pasted address of a deleted group says so, and closing it shows the list', async () => {
    waitingGroup('Other');
    const { user, address } = renderAt('/runners/grp_gone');
    const dialog = await screen.findByRole('dialog', { name: 'This runner group no longer exists' });
    await user.click(within(dialog).getByRole('button', { name: 'Show all runner groups' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(address()).toBe('/runners');
    expect(screen.getByText('Other')).toBeInTheDocument();
  });

  it('a pasted address of a forgotten instance says so in the group dialog', async () => {
    const g = healthyGroup('Production');
    const { user, address } = renderAt(`/runners/${g.id}/instances/ins_gone`);
    const dialog = await screen.findByRole('dialog', { name: 'Edit Production' });
    const missing = await within(dialog).findByRole('heading', { name: 'This instance no longer exists' });
    expect(missing).toBeInTheDocument();
    await user.click(within(dialog).getByRole('button', { name: 'Show the group' }));
    await waitFor(() => expect(address()).toBe(`/runners/${g.id}`));
    expect(db.groups.has(g.id)).toBe(true);
  });
});
