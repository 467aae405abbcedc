import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { db } from '../../../testing/db';
import { groupBehind, healthyGroup, mutationsUnreachable, viewerSession, waitingGroup } from '../../../testing/overrides';
import { dumpQueryClient, renderRunners } from '../../../testing/render';

async function openAction(user: Awaited<ReturnType<typeof renderRunners>>['user'], group: string, action: string) {
  await user.click(await screen.findByRole('button', { name: `More actions for ${group}` }));
  await user.click(await screen.findByRole('menuitem', { name: action }));
}

describe('group menu', () => {
  it('Update confirms "Update {name} from {versions} to {latest}?" and starts the update', async () => {
    const group = groupBehind('Staging');
    const { user } = await renderRunners();
    await openAction(user, 'Staging', 'Update');
    const confirm = await screen.findByRole('alertdialog', { name: 'Update Staging from 1.3.0 to 1.4.0?' });
    await user.click(within(confirm).getByRole('button', { name: 'Update' }));
    expect(await screen.findByText('Update of Staging to 1.4.0 started')).toBeInTheDocument();
    expect(db.updates.get(group.id)?.[0]?.state).toBe('in_progress');
    expect(await screen.findByText('Updating to 1.4.0 · 0 of 2')).toBeInTheDocument();
  });

  it('Update is disabled with a reason when already on the latest version or nothing is connected', async () => {
    healthyGroup('Production');
    waitingGroup('Fresh');
    const { user } = await renderRunners();
    await user.click(await screen.findByRole('button', { name: 'More actions for Production' }));
    expect(await screen.findByRole('menuitem', { name: 'Update' })).toHaveAccessibleDescription(
      'Already on the latest version (1.4.0).',
    );
    await user.keyboard('{Escape}');
    await user.click(screen.getByRole('button', { name: 'More actions for Fresh' }));
    expect(await screen.findByRole('menuitem', { name: 'Update' })).toHaveAccessibleDescription('No instance is connected.');
  });

  it('a failed Update request says so inside the confirmation and changes nothing', async () => {
    const group = groupBehind('Staging');
    const { user } = await renderRunners();
    await openAction(user, 'Staging', 'Update');
    mutationsUnreachable();
    const confirm = await screen.findByRole('alertdialog');
    await user.click(within(confirm).getByRole('button', { name: 'Update' }));
    expect(await within(confirm).findByText('Cannot reach the control plane. Nothing was changed.')).toBeInTheDocument();
    expect(db.updates.get(group.id)).toEqual([]);
  });

  it('Set as Default moves the Default badge', async () => {
    healthyGroup('Production');
    groupBehind('Staging');
    const { user } = await renderRunners();
    await openAction(user, 'Staging', 'Set as Default');
    expect(await screen.findByText('Staging is now the default group')).toBeInTheDocument();
    const staging = screen.getByText('Staging', { exact: true }).closest('[role="row"]') as HTMLElement;
    await waitFor(() => expect(within(staging).getByText('Default')).toBeInTheDocument());
    expect(screen.getAllByText('Default')).toHaveLength(1);
  });

  it('Rotate key confirms, then shows the new key once, never in the cache', async () => {
    healthyGroup('Production');
    const { user, queryClient } = await renderRunners();
    await openAction(user, 'Production', 'Rotate key');
    const confirm = await screen.findByRole('alertdialog', { name: 'Rotate the registration key of Production?' });
    expect(confirm).toHaveTextContent('Instances already registered keep working');
    await user.click(within(confirm).getByRole('button', { name: 'Rotate key' }));
    const install = await screen.findByRole('dialog', { name: 'New registration key for Production' });
    const key = db.issuedKeys.at(-1)!;
    await waitFor(() => expect(install.innerHTML).toContain(key));
    expect(dumpQueryClient(queryClient)).not.toContain(key);
    await user.click(within(install).getByRole('button', { name: /^Close$/ }));
    await user.click(await screen.findByRole('button', { name: 'Close anyway' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(document.body.innerHTML).not.toContain(key);
  });

  it('Delete names the group and how many instances will be cut off', async () => {
    const group = healthyGroup('Production');
    const { user } = await renderRunners();
    await openAction(user, 'Production', 'Delete');
    const confirm = await screen.findByRole('alertdialog', { name: 'Delete Production?' });
    expect(confirm).toHaveTextContent('3 instances will be cut off: their tokens are revoked');
    await user.click(within(confirm).getByRole('button', { name: 'Delete Production' }));
    await waitFor(() => expect(screen.queryByText('Production', { exact: true })).not.toBeInTheDocument());
    expect(db.groups.has(group.id)).toBe(false);
    expect(await screen.findByRole('heading', { name: 'No runner groups yet' })).toBeInTheDocument();
  });

  it('Delete can be cancelled and changes nothing', async () => {
    const group = healthyGroup('Production');
    const { user } = await renderRunners();
    await openAction(user, 'Production', 'Delete');
    const confirm = await screen.findByRole('alertdialog', { name: 'Delete Production?' });
    await user.click(within(confirm).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument());
    expect(db.groups.has(group.id)).toBe(true);
  });

  it('the menu works from the keyboard', async () => {
    healthyGroup('Production');
    const { user } = await renderRunners();
    const trigger = await screen.findByRole('button', { name: 'More actions for Production' });
    trigger.focus();
    await user.keyboard('{Enter}');
    await screen.findByRole('menu');
    await waitFor(() => expect(screen.getByRole('menuitem', { name: 'Edit' })).toHaveFocus());
    await user.keyboard('{Enter}');
    expect(await screen.findByRole('dialog', { name: 'Edit Production' })).toBeInTheDocument();
    await user.keyboard('{Escape}');
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    // Focus comes back to the group's 3-dot button, not to the top of the page.
    await waitFor(() => expect(screen.getByRole('button', { name: 'More actions for Production' })).toHaveFocus());
  });

  it('the arrow keys reach a disabled item, which says why and does nothing when chosen', async () => {
    const group = waitingGroup('Fresh');
    const { user } = await renderRunners();
    (await screen.findByRole('button', { name: 'More actions for Fresh' })).focus();
    await user.keyboard('{Enter}');
    await waitFor(() => expect(screen.getByRole('menuitem', { name: 'Edit' })).toHaveFocus());
    await user.keyboard('{ArrowDown}');
    const update = screen.getByRole('menuitem', { name: 'Update' });
    expect(update).toHaveFocus();
    expect(update).toHaveAttribute('aria-disabled', 'true');
    expect(update).toHaveAccessibleDescription('No instance is connected.');
    await user.keyboard('{Enter}');
    await user.click(update);
    // Nothing happened: the menu is still open on the item (a chosen item closes the menu), no update.
    expect(screen.getByRole('menu')).toBeInTheDocument();
    expect(update).toHaveFocus();
    expect(db.updates.get(group.id) ?? []).toEqual([]);
    await user.keyboard('{ArrowDown}');
    expect(screen.getByRole('menuitem', { name: 'Set as Default' })).toHaveFocus();
  });

  it("a viewer's menu: every write action is reachable by keyboard and announced as disabled with the reason", async () => {
    viewerSession();
    const group = healthyGroup('Production');
    const { user } = await renderRunners();
    (await screen.findByRole('button', { name: 'More actions for Production' })).focus();
    await user.keyboard('{Enter}');
    await waitFor(() => expect(screen.getByRole('menuitem', { name: 'Edit' })).toHaveFocus());
    expect(screen.getByRole('menuitem', { name: 'Edit' })).not.toHaveAttribute('aria-disabled');
    for (const name of ['Update', 'Set as Default', 'Rotate key', 'Delete']) {
      await user.keyboard('{ArrowDown}');
      const item = screen.getByRole('menuitem', { name });
      expect(item).toHaveFocus();
      expect(item).toHaveAttribute('aria-disabled', 'true');
      expect(item).toHaveAccessibleDescription(/Viewers can look but not change runners/);
    }
    await user.keyboard('{Enter}');
    // Choosing it did nothing: the menu is still open on Delete (a chosen item closes the menu).
    expect(screen.getByRole('menu')).toBeInTheDocument();
    expect(screen.getByRole('menuitem', { name: 'Delete' })).toHaveFocus();
    expect(db.groups.has(group.id)).toBe(true);
  });

  it('after Update is cancelled, focus is back on the 3-dot button', async () => {
    groupBehind('Staging');
    const { user } = await renderRunners();
    await openAction(user, 'Staging', 'Update');
    await user.click(within(await screen.findByRole('alertdialog')).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(screen.getByRole('button', { name: 'More actions for Staging' })).toHaveFocus());
  });
});
