import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { db, seedGroup } from '../../../testing/db';
import { ago, buildTermination } from '../../../testing/factories';
import {
  disconnectedGroup,
  healthyGroup,
  serverAnswers503ToInstances,
  tenThousandInstances,
  viewerSession,
  waitingGroup,
} from '../../../testing/overrides';
import { renderRunners } from '../../../testing/render';

async function openEdit(name: string) {
  const r = await renderRunners();
  await r.user.click(await screen.findByRole('button', { name: `More actions for ${name}` }));
  await r.user.click(await screen.findByRole('menuitem', { name: 'Edit' }));
  // The dialog's code loads on first use: the first test of the file waits for its transform too.
  const dialog = await screen.findByRole('dialog', { name: `Edit ${name}` }, { timeout: 10_000 });
  return { ...r, dialog };
}

describe('Edit dialog', () => {
  it('lists the instances with status, name, version, platform, host, address and times', async () => {
    healthyGroup('Production');
    const { dialog } = await openEdit('Production');
    const region = within(dialog).getByRole('region', { name: 'Instances' });
    const table = await within(region).findByRole('table', { name: 'Instances' });
    const headers = within(table)
      .getAllByRole('columnheader')
      .map((h) => h.textContent);
    expect(headers).toEqual(['Status', 'Name', 'How it ended', 'Version', 'Platform', 'Host', 'Address', 'Last heartbeat', 'Started']);
    const row = within(table).getByRole('row', { name: /production-runner-7d9f-a/ });
    expect(row).toHaveTextContent('Connected');
    expect(row).toHaveTextContent('1.4.0');
    expect(row).toHaveTextContent('kubernetes');
    expect(row).toHaveTextContent('10.0.0.12');
  });

  it('filters by status and text', async () => {
    disconnectedGroup('Edge');
    const { dialog, user } = await openEdit('Edge');
    await within(dialog).findByRole('table', { name: 'Instances' });
    // Options are picked by their label as well as by their value.
    expect(within(within(dialog).getByLabelText('Status')).getAllByRole('option').map((o) => o.textContent)).toEqual([
      'All',
      'Connected',
      'Disconnected',
      'Terminated',
    ]);
    expect(within(dialog).getByRole('status')).toHaveTextContent('2 instances · 0 connected, 1 disconnected, 1 terminated');
    await user.selectOptions(within(dialog).getByLabelText('Status'), 'Terminated');
    expect(within(dialog).getByText('1 of 2 instances')).toBeInTheDocument();
    expect(within(dialog).getByRole('button', { name: 'edge-2' })).toBeInTheDocument();
    expect(within(dialog).queryByRole('button', { name: 'edge-1' })).not.toBeInTheDocument();
    await user.selectOptions(within(dialog).getByLabelText('Status'), 'all');
    await user.type(within(dialog).getByLabelText('Filter'), 'edge-1');
    expect(within(dialog).getByRole('button', { name: 'edge-1' })).toBeInTheDocument();
    expect(within(dialog).queryByRole('button', { name: 'edge-2' })).not.toBeInTheDocument();
    await user.type(within(dialog).getByLabelText('Filter'), 'zzz');
    expect(within(dialog).getByText('No instance matches the filter.')).toBeInTheDocument();
  });

  it('shows an instance with its termination record, cause and timeline', async () => {
    seedGroup({ name: 'Batch' }, [
      {
        name: 'batch-7',
        status: 'terminated',
        lastHeartbeatAt: ago(605),
        termination: buildTermination({ exitCode: 137, reason: 'OOMKilled', cause: 'oom_killed' }),
      },
    ]);
    const { dialog, user } = await openEdit('Batch');
    await user.click(await within(dialog).findByRole('button', { name: 'batch-7' }));
    const detail = within(dialog).getByRole('region', { name: 'Instance batch-7' });
    expect(detail).toHaveTextContent('exit code 137, reason OOMKilled');
    expect(detail).toHaveTextContent('Host out of memory: the container hit its memory limit (raise limit_memory)');
    const timeline = within(detail).getByRole('list');
    expect(within(timeline).getAllByRole('listitem').map((li) => li.textContent)).toEqual([
      expect.stringContaining('Started'),
      expect.stringContaining('Last heartbeat before it went quiet'),
      expect.stringContaining('Ended'),
    ]);
    expect(detail).toHaveFocus();
  });

  it('selects an instance by a click anywhere on its row, not only on its name', async () => {
    disconnectedGroup('Edge');
    const { dialog, user } = await openEdit('Edge');
    const table = await within(dialog).findByRole('table', { name: 'Instances' });
    const row = within(table).getByRole('row', { name: /edge-2/ });
    await user.click(within(row).getAllByRole('cell')[2]!);
    expect(within(dialog).getByRole('region', { name: 'Instance edge-2' })).toBeInTheDocument();
    expect(row).toHaveAttribute('aria-selected', 'true');
  });

  it('shows a disconnected instance with its last error and no exit', async () => {
    disconnectedGroup('Edge');
    const { dialog, user } = await openEdit('Edge');
    await user.click(await within(dialog).findByRole('button', { name: 'edge-1' }));
    const detail = within(dialog).getByRole('region', { name: 'Instance edge-1' });
    // The troubleshooting guidance (install-kit feature) explains it; the error the runner reported is shown.
    await waitFor(() => expect(detail).toHaveTextContent('POST /heartbeat timed out after 10s'));
    expect(within(detail).getAllByText('Disconnected').length).toBeGreaterThan(0);
  });

  it('keeps 10,000 instances to a few rows in the DOM and filters them', async () => {
    tenThousandInstances('Big fleet');
    const { dialog, user } = await openEdit('Big fleet');
    // 10,000 rows through msw and jsdom take a moment on a busy machine.
    const table = await within(dialog).findByRole('table', { name: 'Instances' }, { timeout: 10_000 });
    await within(table).findByRole('button', { name: 'big-runner-00000' }, { timeout: 10_000 });
    expect(within(dialog).getByText('10,000 instances')).toBeInTheDocument();
    // Only the rows in view (plus overscan) are in the DOM once the virtualizer has loaded.
    await waitFor(() => expect(within(table).getAllByRole('row').length).toBeLessThan(40), { timeout: 5_000 });
    expect(table).toHaveAttribute('aria-rowcount', '10001');
    await user.type(within(dialog).getByLabelText('Filter'), 'big-runner-09999');
    expect(await within(table).findByRole('button', { name: 'big-runner-09999' }, { timeout: 5_000 })).toBeInTheDocument();
    expect(within(dialog).getByText('1 of 10,000 instances')).toBeInTheDocument();
  });

  it('renames the group', async () => {
    const group = healthyGroup('Production');
    const { dialog, user } = await openEdit('Production');
    const name = within(dialog).getByLabelText('Name');
    await user.clear(name);
    await user.type(name, 'Production EU');
    await user.click(within(dialog).getByRole('button', { name: 'Rename' }));
    expect(await screen.findByRole('dialog', { name: 'Edit Production EU' })).toBeInTheDocument();
    expect(db.groups.get(group.id)?.name).toBe('Production EU');
  });

  it('shows a rename conflict on the field and keeps the old name', async () => {
    const group = healthyGroup('Production');
    waitingGroup('Staging');
    const { dialog, user } = await openEdit('Production');
    const name = within(dialog).getByLabelText('Name');
    await user.clear(name);
    await user.type(name, 'staging');
    await user.click(within(dialog).getByRole('button', { name: 'Rename' }));
    await waitFor(() => expect(name).toHaveAccessibleDescription(/already exists/));
    expect(db.groups.get(group.id)?.name).toBe('Production');
  });

  it('explains how to add instances with the scale command', async () => {
    healthyGroup('Prod EU');
    const { dialog } = await openEdit('Prod EU');
    expect(dialog).toHaveTextContent('How to add instances');
    expect(dialog).toHaveTextContent('kubectl scale deployment prod-eu-runner --replicas=N');
    expect(dialog).toHaveTextContent('run the Docker command again');
    // One heading and one region say "instances", even to a case-blind substring match (Playwright's default).
    await within(dialog).findByRole('table', { name: 'Instances' });
    expect(within(dialog).getAllByRole('heading', { name: /instances/i }).map((h) => h.textContent)).toEqual(['Instances']);
    expect(within(dialog).getAllByRole('region', { name: /instances/i })).toHaveLength(1);
  });

  it('tells a group without runners that none registered yet', async () => {
    waitingGroup('Fresh');
    const { dialog } = await openEdit('Fresh');
    expect(await within(dialog).findByRole('heading', { name: 'No runner registered yet' })).toBeInTheDocument();
  });

  it('shows an error when the instances cannot be loaded', async () => {
    healthyGroup('Production');
    serverAnswers503ToInstances();
    const { dialog } = await openEdit('Production');
    expect(await within(dialog).findByRole('heading', { name: 'The instance list could not be loaded' })).toBeInTheDocument();
  });

  it('lets viewers look but not rename', async () => {
    viewerSession();
    healthyGroup('Production');
    const { dialog } = await openEdit('Production');
    expect(within(dialog).getByLabelText('Name')).toBeDisabled();
    expect(within(dialog).getByRole('button', { name: 'Rename' })).toBeDisabled();
    expect(within(dialog).getByText(/Viewers can look but not change runners/)).toBeInTheDocument();
    expect(await within(dialog).findByRole('table', { name: 'Instances' })).toBeInTheDocument();
  });
});

describe('Edit dialog of a group deleted elsewhere', () => {
  it('closes with a notice naming the group, instead of vanishing', async () => {
    const group = healthyGroup('Production');
    const { dialog, queryClient } = await openEdit('Production');
    db.groups.delete(group.id);
    await queryClient.invalidateQueries();
    await waitFor(() => expect(dialog).not.toBeInTheDocument());
    expect(await screen.findByText('Production was deleted')).toBeInTheDocument();
  });
});
