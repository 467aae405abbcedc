import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { db } from '../../../testing/db';
import { healthyAndFailingChannels, seedChannel } from '../../../testing/notification-channels';
import { channelsAnswer500, testsFailWith503, viewerSession } from '../../../testing/overrides';
import { dumpQueryClient, renderApp } from '../../../testing/render';

/** Pastes into a field (typing key by key is slow on a busy 2-core machine, and tests nothing more here). */
async function fill(user: { click(e: Element): Promise<void>; paste(t: string): Promise<void> }, field: HTMLElement, text: string) {
  await user.click(field);
  await user.paste(text);
}

async function openPage() {
  const r = renderApp('/notifications');
  await screen.findByRole('heading', { name: 'Notifications', level: 1 });
  return r;
}

describe('Notifications page', () => {
  it('is in the left navigation and explains itself when there is no channel', async () => {
    await openPage();
    expect(screen.getByRole('link', { name: 'Notifications' })).toHaveAttribute('aria-current', 'page');
    expect(await screen.findByRole('heading', { name: 'No notification channels yet' })).toBeInTheDocument();
  });

  it('shows each channel with its last delivery in words, a failing one as failed', async () => {
    healthyAndFailingChannels();
    await openPage();
    const healthy = await screen.findByRole('region', { name: 'Ops webhook' });
    expect(within(healthy).getByText('Delivered')).toBeInTheDocument();
    expect(within(healthy).getByText(/Instance ended · HTTP 200 · 112 ms/)).toBeInTheDocument();
    const failing = screen.getByRole('region', { name: 'Team Slack' });
    expect(within(failing).getByText('Failed, will retry')).toBeInTheDocument();
    expect(within(failing).getByText(/Group down, Group recovered/)).toBeInTheDocument();
    expect(within(failing).getByText(/••••wxyz/)).toBeInTheDocument();
  });

  it('opens the delivery log with status, answer and latency, newest first', async () => {
    healthyAndFailingChannels();
    const { user } = await openPage();
    const failing = await screen.findByRole('region', { name: 'Team Slack' });
    await user.click(within(failing).getByRole('button', { name: 'Delivery log' }));
    const table = await within(failing).findByRole('table');
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(2);
    expect(within(rows[0]!).getByText('2')).toBeInTheDocument();
    expect(within(rows[0]!).getByText('HTTP 500')).toBeInTheDocument();
    expect(within(rows[0]!).getByText('230 ms')).toBeInTheDocument();
    expect(within(rows[0]!).getByText(/next try in/)).toBeInTheDocument();
  });

  it('creates a webhook channel and shows its secret once, never in the query cache', async () => {
    const { user, queryClient } = await openPage();
    await user.click(screen.getByRole('button', { name: 'New channel' }));
    const dialog = await screen.findByRole('dialog', { name: 'New channel' });
    await fill(user, within(dialog).getByLabelText('Name'), 'Pager');
    await fill(user, within(dialog).getByLabelText('URL'), 'https://pager.example.com/in');
    await user.click(within(dialog).getByRole('checkbox', { name: 'Group degraded' }));
    await user.click(within(dialog).getByRole('button', { name: 'Create channel' }));
    const secretDialog = await screen.findByRole('dialog', { name: 'Signing secret of Pager' });
    const secret = db.issuedSecrets[0]!;
    expect(within(secretDialog).getByLabelText('Signing secret')).toHaveTextContent(secret);
    expect(within(secretDialog).getByText(/will not be shown again/)).toBeInTheDocument();
    expect(dumpQueryClient(queryClient)).not.toContain(secret);
    await user.click(within(secretDialog).getByRole('button', { name: 'Done' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(screen.queryByText(secret)).not.toBeInTheDocument();
    const card = await screen.findByRole('region', { name: 'Pager' });
    expect(within(card).getByText('Group down, Group recovered, Update succeeded, Update rolled back, Instance ended')).toBeInTheDocument();
    expect(db.channels[0]!.events).not.toContain('group.degraded');
    expect(dumpQueryClient(queryClient)).not.toContain(secret);
  });

  it('shows the server’s field errors under the field, and keeps the dialog open', async () => {
    const { user } = await openPage();
    await user.click(screen.getByRole('button', { name: 'New channel' }));
    const dialog = await screen.findByRole('dialog', { name: 'New channel' });
    await fill(user, within(dialog).getByLabelText('Name'), 'Bad');
    await fill(user, within(dialog).getByLabelText('URL'), 'https://user:pw@example.com/x');
    await user.click(within(dialog).getByRole('button', { name: 'Create channel' }));
    expect(await within(dialog).findByText(/must not contain a user name or password/)).toBeInTheDocument();
    expect(within(dialog).getByLabelText('URL')).toHaveAttribute('aria-invalid', 'true');
    expect(db.channels).toHaveLength(0);
  });

  it('sends a test and says what the receiver answered', async () => {
    healthyAndFailingChannels();
    const { user } = await openPage();
    const card = await screen.findByRole('region', { name: 'Ops webhook' });
    await user.click(within(card).getByRole('button', { name: 'Send test' }));
    expect(await within(card).findByText(/Test delivered: HTTP 200, 42 ms/)).toBeInTheDocument();
    testsFailWith503();
    await user.click(within(card).getByRole('button', { name: 'Send test' }));
    expect(await within(card).findByText(/Test failed: HTTP 503/)).toBeInTheDocument();
  });

  it('asks before deleting a channel', async () => {
    seedChannel({ name: 'Old hook' });
    const { user } = await openPage();
    const card = await screen.findByRole('region', { name: 'Old hook' });
    await user.click(within(card).getByRole('button', { name: 'Delete Old hook' }));
    const confirm = await screen.findByRole('alertdialog', { name: 'Delete Old hook?' });
    await user.click(within(confirm).getByRole('button', { name: 'Delete channel' }));
    await waitFor(() => expect(screen.queryByRole('region', { name: 'Old hook' })).not.toBeInTheDocument());
    expect(db.channels).toHaveLength(0);
  });

  it('lets viewers read, with every change disabled and the reason given', async () => {
    viewerSession();
    healthyAndFailingChannels();
    const { user } = await openPage();
    expect(screen.getByRole('button', { name: 'New channel' })).toBeDisabled();
    expect(screen.getByText('Only admins can change notification channels.')).toBeInTheDocument();
    const card = await screen.findByRole('region', { name: 'Ops webhook' });
    for (const name of ['Send test', 'Edit Ops webhook', 'Delete Ops webhook']) expect(within(card).getByRole('button', { name })).toBeDisabled();
    await user.click(within(card).getByRole('button', { name: 'Delivery log' }));
    expect(await within(card).findByRole('table')).toBeInTheDocument();
  });

  it('says when the channels cannot be loaded, and tries again', async () => {
    channelsAnswer500();
    await openPage();
    expect(await screen.findByRole('alert')).toHaveTextContent('Notification channels could not be loaded');
    expect(screen.getByRole('button', { name: 'Try again' })).toBeInTheDocument();
  });
});
