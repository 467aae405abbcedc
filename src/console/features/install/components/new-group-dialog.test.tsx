import { screen, waitFor, within } from '@testing-library/react';
import { useState } from 'react';
import { describe, expect, it } from 'vitest';
import { db } from '../../../testing/db';
import { createAnswersFieldError, healthyGroup, mutationsUnreachable } from '../../../testing/overrides';
import { dumpQueryClient, renderWithProviders } from '../../../testing/render';
import { NewGroupDialog } from './new-group-dialog';

function Harness({ firstGroup = false }: { firstGroup?: boolean }) {
  const [open, setOpen] = useState(true);
  return open ? <NewGroupDialog onClose={() => setOpen(false)} firstGroup={firstGroup} /> : <p>dialog closed</p>;
}

const issuedKey = () => db.issuedKeys.at(-1)!;

describe('New Runner Group dialog', () => {
  it('creates a group and turns into the install view with the key', async () => {
    const { user } = renderWithProviders(<Harness />);
    const dialog = screen.getByRole('dialog', { name: 'New Runner Group' });
    await user.type(within(dialog).getByLabelText('Name'), 'Build farm');
    await user.click(within(dialog).getByRole('checkbox', { name: 'Default' }));
    await user.click(within(dialog).getByRole('button', { name: 'Create' }));
    const install = await screen.findByRole('dialog', { name: 'New Runner Group: install runners for Build farm' });
    // The commands carry the key once the install templates have loaded.
    await waitFor(() => expect(install).toHaveTextContent(issuedKey()));
    // The same dialog, still found by the name it opened with (a substring match, as Playwright's default).
    expect(screen.getByRole('dialog', { name: /New Runner Group/ })).toBe(install);
    expect(within(install).getByRole('button', { name: 'Copy Helm command' })).toBeInTheDocument();
    expect([...db.groups.values()].find((g) => g.name === 'Build farm')?.isDefault).toBe(true);
  });

  it('shows the key in a read-only field that password managers and spell checkers leave alone', async () => {
    const { user } = renderWithProviders(<Harness />);
    await user.type(screen.getByLabelText('Name'), 'Build farm');
    await user.click(screen.getByRole('button', { name: 'Create' }));
    const field = await screen.findByLabelText('Registration key');
    expect(field).toHaveValue(issuedKey());
    expect(field).toHaveAttribute('readonly');
    expect(field).toHaveAttribute('autocomplete', 'off');
    expect(field).toHaveAttribute('spellcheck', 'false');
    expect(field).toHaveAttribute('data-1p-ignore');
    expect(field).toHaveAttribute('data-lpignore', 'true');
    expect(field).not.toHaveAttribute('name');
  });

  it('never puts the key in the query cache, and forgets it when closed', async () => {
    healthyGroup('Production');
    const { user, queryClient } = renderWithProviders(<Harness />);
    await user.type(screen.getByLabelText('Name'), 'Build farm');
    await user.click(screen.getByRole('button', { name: 'Create' }));
    await screen.findByRole('dialog', { name: 'New Runner Group: install runners for Build farm' });
    const key = issuedKey();
    expect(dumpQueryClient(queryClient)).not.toContain(key);
    expect(dumpQueryClient(queryClient)).not.toContain('registrationKey');
    await user.click(screen.getByRole('button', { name: 'Copy key' }));
    await user.click(screen.getByRole('button', { name: 'Close' }));
    expect(await screen.findByText('dialog closed')).toBeInTheDocument();
    expect(document.body.innerHTML).not.toContain(key);
    await waitFor(() => expect(queryClient.getMutationCache().getAll()).toHaveLength(0));
    expect(dumpQueryClient(queryClient)).not.toContain(key);
    expect(JSON.stringify({ ...localStorage })).not.toContain(key);
    expect(JSON.stringify({ ...sessionStorage })).not.toContain(key);
  });

  it('asks before closing while nothing was copied: Go back keeps it, Close anyway closes', async () => {
    const { user } = renderWithProviders(<Harness />);
    await user.type(screen.getByLabelText('Name'), 'Build farm');
    await user.click(screen.getByRole('button', { name: 'Create' }));
    await screen.findByRole('dialog', { name: 'New Runner Group: install runners for Build farm' });
    await user.click(screen.getByRole('button', { name: 'Close' }));
    const confirm = await screen.findByRole('alertdialog', { name: 'Close without copying the key?' });
    await user.click(within(confirm).getByRole('button', { name: 'Go back' }));
    await waitFor(() => expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument());
    expect(screen.getByRole('dialog', { name: 'New Runner Group: install runners for Build farm' })).toBeInTheDocument();
    await user.keyboard('{Escape}');
    const again = await screen.findByRole('alertdialog', { name: 'Close without copying the key?' });
    await user.click(within(again).getByRole('button', { name: 'Close anyway' }));
    expect(await screen.findByText('dialog closed')).toBeInTheDocument();
    expect(document.body.innerHTML).not.toContain(issuedKey());
  });

  it('counts a manual copy (Ctrl+C) as copied', async () => {
    const { user } = renderWithProviders(<Harness />);
    await user.type(screen.getByLabelText('Name'), 'Build farm');
    await user.click(screen.getByRole('button', { name: 'Create' }));
    await screen.findByRole('dialog', { name: 'New Runner Group: install runners for Build farm' });
    screen.getByLabelText('Registration key').dispatchEvent(new Event('copy', { bubbles: true }));
    await user.click(screen.getByRole('button', { name: 'Close' }));
    expect(await screen.findByText('dialog closed')).toBeInTheDocument();
  });

  it('shows a 400 field error on the Name field and creates nothing', async () => {
    createAnswersFieldError();
    const { user } = renderWithProviders(<Harness />);
    await user.type(screen.getByLabelText('Name'), 'bad<name>');
    await user.click(screen.getByRole('button', { name: 'Create' }));
    const name = screen.getByLabelText('Name');
    await waitFor(() => expect(name).toHaveAttribute('aria-invalid', 'true'));
    expect(name).toHaveAccessibleDescription(/Name may contain only letters, digits/);
    expect(db.groups.size).toBe(0);
  });

  it('keeps a 65-character name as typed and says it is too long, instead of cutting it', async () => {
    const { user } = renderWithProviders(<Harness />);
    await user.type(screen.getByLabelText('Name'), 'a'.repeat(65));
    expect(screen.getByLabelText('Name')).toHaveValue('a'.repeat(65));
    await user.click(screen.getByRole('button', { name: 'Create' }));
    const name = screen.getByLabelText('Name');
    await waitFor(() => expect(name).toHaveAccessibleDescription('Name must be at most 64 characters.'));
    expect(db.groups.size).toBe(0);
  });

  it('refuses an empty name without asking the server', async () => {
    const { user } = renderWithProviders(<Harness />);
    await user.type(screen.getByLabelText('Name'), '   ');
    await user.click(screen.getByRole('button', { name: 'Create' }));
    expect(screen.getByLabelText('Name')).toHaveAccessibleDescription('Name must not be empty.');
  });

  it('shows a duplicate name as a field error (409)', async () => {
    healthyGroup('Production');
    const { user } = renderWithProviders(<Harness />);
    await user.type(screen.getByLabelText('Name'), 'production');
    await user.click(screen.getByRole('button', { name: 'Create' }));
    await waitFor(() =>
      expect(screen.getByLabelText('Name')).toHaveAccessibleDescription('A runner group named "production" already exists (names are compared ignoring case).'),
    );
  });

  it('says so when the control plane cannot be reached, and changes nothing', async () => {
    mutationsUnreachable();
    const { user } = renderWithProviders(<Harness />);
    await user.type(screen.getByLabelText('Name'), 'Build farm');
    await user.click(screen.getByRole('button', { name: 'Create' }));
    expect(await screen.findByText('Cannot reach the control plane. Nothing was changed.')).toBeInTheDocument();
    expect(db.groups.size).toBe(0);
  });

  it('says beforehand that the first group is the default: the box is ticked and disabled, with the reason', async () => {
    const { user } = renderWithProviders(<Harness firstGroup />);
    const box = screen.getByRole('checkbox', { name: 'Default' });
    expect(box).toBeChecked();
    expect(box).toBeDisabled();
    expect(box).toHaveAccessibleDescription('The first runner group is always the default: new work goes to it when no group is named.');
    await user.type(screen.getByLabelText('Name'), 'First');
    await user.click(screen.getByRole('button', { name: 'Create' }));
    await screen.findByRole('dialog', { name: 'New Runner Group: install runners for First' });
    expect([...db.groups.values()].find((g) => g.name === 'First')?.isDefault).toBe(true);
  });

  it('clears "Name must not be empty." as soon as a name is typed', async () => {
    const { user } = renderWithProviders(<Harness />);
    await user.click(screen.getByRole('button', { name: 'Create' }));
    expect(screen.getByText('Name must not be empty.')).toBeInTheDocument();
    await user.type(screen.getByLabelText('Name'), 'B');
    expect(screen.queryByText('Name must not be empty.')).toBeNull();
    expect(screen.getByLabelText('Name')).not.toHaveAttribute('aria-invalid');
  });
});
