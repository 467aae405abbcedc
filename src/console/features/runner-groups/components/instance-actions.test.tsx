import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { db } from '../../../testing/db';
import { degradedGroup, healthyGroup, viewerSession } from '../../../testing/overrides';
import { renderApp } from '../../../testing/render';

// The Instances section of the Edit dialog for the operator at 3 a.m. (PRODUCT.md §3 round 2):
// How it ended, cause filters, replaced hidden, Stop, Forget, Forget all ended.

async function openAt(address: string, title: string) {
  const r = renderApp(address);
  const dialog = await screen.findByRole('dialog', { name: title });
  await within(dialog).findByRole('table', { name: 'Instances' });
  return { ...r, dialog };
}

const rowOf = (dialog: HTMLElement, name: string) => within(dialog).getByRole('button', { name }).closest('[role="row"]') as HTMLElement;

describe('Instances: How it ended', () => {
  it('names each end by its cause with the exit code, and hides replaced runners behind "Show replaced (1)"', async () => {
    const g = degradedGroup('Build farm');
    const { dialog, user } = await openAt(`/runners/${g.id}`, 'Edit Build farm');
    expect(rowOf(dialog, 'farm-2')).toHaveTextContent('Crash · exit 139');
    expect(rowOf(dialog, 'farm-3')).toHaveTextContent('Killed · exit 137');
    expect(rowOf(dialog, 'farm-4')).toHaveTextContent('Completed · exit 0');
    expect(rowOf(dialog, 'farm-1')).toHaveTextContent('—');
    // Replaced by an update: hidden until asked for.
    expect(within(dialog).queryByRole('button', { name: 'farm-0' })).toBeNull();
    await user.click(within(dialog).getByRole('button', { name: 'Show replaced (1)' }));
    expect(rowOf(dialog, 'farm-0')).toHaveTextContent('Replaced by update · exit 0');
    expect(within(dialog).getByRole('button', { name: 'Hide replaced (1)' })).toHaveAttribute('aria-pressed', 'true');
  });

  it('filters by cause with the "How runners ended" buttons', async () => {
    const g = degradedGroup('Build farm');
    const { dialog, user } = await openAt(`/runners/${g.id}`, 'Edit Build farm');
    const strip = within(dialog).getByRole('region', { name: 'How runners ended this week' });
    await user.click(within(strip).getByRole('button', { name: '1 Crash' }));
    expect(within(strip).getByRole('button', { name: '1 Crash' })).toHaveAttribute('aria-pressed', 'true');
    expect(within(dialog).getByRole('button', { name: 'farm-2' })).toBeInTheDocument();
    expect(within(dialog).queryByRole('button', { name: 'farm-3' })).toBeNull();
    expect(within(dialog).queryByRole('button', { name: 'farm-1' })).toBeNull();
  });

  it('opens filtered by the cause in the address', async () => {
    const g = degradedGroup('Build farm');
    const { dialog } = await openAt(`/runners/${g.id}?cause=killed`, 'Edit Build farm');
    expect(within(dialog).getByRole('button', { name: '1 Killed' })).toHaveAttribute('aria-pressed', 'true');
    expect(within(dialog).getByRole('button', { name: 'farm-3' })).toBeInTheDocument();
    expect(within(dialog).queryByRole('button', { name: 'farm-2' })).toBeNull();
  });
});

describe('Instances: Stop and Forget', () => {
  it('stops a connected runner after a confirmation; its row then says "Stop requested"', async () => {
    const g = healthyGroup('Production');
    const target = db.instances.get(g.id)![0]!;
    const { dialog, user } = await openAt(`/runners/${g.id}/instances/${target.id}`, 'Edit Production');
    const detail = within(dialog).getByRole('region', { name: `Instance ${target.name}` });
    await user.click(within(detail).getByRole('button', { name: 'Stop' }));
    const confirm = await screen.findByRole('alertdialog', { name: `Stop ${target.name}?` });
    // Kubernetes would start a new pod: the dialog says to scale the Deployment instead.
    expect(confirm).toHaveTextContent('scale the Deployment instead');
    await user.click(within(confirm).getByRole('button', { name: 'Stop runner' }));
    await waitFor(() => expect(screen.queryByRole('alertdialog')).toBeNull());
    expect(await within(rowOf(dialog, target.name)).findByText('Stop requested')).toBeInTheDocument();
    expect(within(detail).getByRole('button', { name: 'Stop' })).toBeDisabled();
    expect(within(detail).getByRole('button', { name: 'Stop' })).toHaveAccessibleDescription(/A stop was already requested/);
    expect(db.audit[0]).toMatchObject({ action: 'instance.stop_requested', detail: { instanceId: target.id } });
  });

  it('forgets an ended runner after a confirmation, and the address then says it no longer exists', async () => {
    const g = degradedGroup('Build farm');
    const { dialog, user } = await openAt(`/runners/${g.id}/instances/ins_deg_crash`, 'Edit Build farm');
    const detail = within(dialog).getByRole('region', { name: 'Instance farm-2' });
    expect(within(detail).queryByRole('button', { name: 'Stop' })).toBeNull();
    await user.click(within(detail).getByRole('button', { name: 'Forget' }));
    const confirm = await screen.findByRole('alertdialog', { name: 'Forget farm-2?' });
    await user.click(within(confirm).getByRole('button', { name: 'Forget' }));
    expect(await within(dialog).findByRole('heading', { name: 'This instance no longer exists' })).toBeInTheDocument();
    expect(within(dialog).queryByRole('button', { name: 'farm-2' })).toBeNull();
    expect(db.audit[0]).toMatchObject({ action: 'instance.forgotten', detail: { instanceId: 'ins_deg_crash' } });
  });

  it('forgets all ended runners after a confirmation that counts them', async () => {
    const g = degradedGroup('Build farm');
    const { dialog, user } = await openAt(`/runners/${g.id}`, 'Edit Build farm');
    await user.click(within(dialog).getByRole('button', { name: 'Forget all ended (4)' }));
    const confirm = await screen.findByRole('alertdialog', { name: 'Forget 4 ended instances of Build farm?' });
    await user.click(within(confirm).getByRole('button', { name: 'Forget all ended' }));
    await waitFor(() => expect(within(dialog).queryByRole('button', { name: 'farm-2' })).toBeNull());
    expect(within(dialog).getByRole('button', { name: 'farm-1' })).toBeInTheDocument();
    expect(db.audit[0]).toMatchObject({ action: 'instance.forgotten_ended', detail: { count: 4 } });
  });

  it('shows viewers Stop disabled with the reason', async () => {
    viewerSession();
    const g = healthyGroup('Production');
    const target = db.instances.get(g.id)![0]!;
    const { dialog } = await openAt(`/runners/${g.id}/instances/${target.id}`, 'Edit Production');
    const stop = within(within(dialog).getByRole('region', { name: `Instance ${target.name}` })).getByRole('button', { name: 'Stop' });
    expect(stop).toBeDisabled();
    expect(stop).toHaveAccessibleDescription(/Viewers can look but not change runners/);
  });
});
