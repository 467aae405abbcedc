import { act, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { seedGroup } from '../../../testing/db';
import { renderRunners } from '../../../testing/render';

// Its own file: the first long list of a test file is the one that used to render twice (first a
// plain slice of rows, then the virtualized ones), and other files' lists must not come first.
describe('Edit dialog with 500 instances', () => {
  it('keeps the rows it first rendered, so the instance a user just reached keeps the focus', async () => {
    const instances = Array.from({ length: 500 }, (_, i) => ({ name: `fleet-${String(i).padStart(3, '0')}` }));
    seedGroup({ name: 'Fleet' }, instances);
    const { user } = await renderRunners();
    await user.click(await screen.findByRole('button', { name: 'More actions for Fleet' }));
    await user.click(await screen.findByRole('menuitem', { name: 'Edit' }));
    const dialog = await screen.findByRole('dialog', { name: 'Edit Fleet' });
    const table = await within(dialog).findByRole('table', { name: 'Instances' });
    const button = await within(table).findByRole('button', { name: 'fleet-000' });
    const row = button.closest('[role="row"]');
    act(() => button.focus());
    expect(button).toHaveFocus();

    // The rows in view (600 px of the test setup's scroller, 44 px rows, plus overscan), not a fixed slice.
    await waitFor(() => expect(within(table).getAllByRole('row').length).toBeLessThan(40));
    expect(button).toBeInTheDocument();
    expect(row).toBeInTheDocument();
    expect(button).toHaveFocus();
    await user.keyboard('{Enter}');
    expect(within(dialog).getByRole('region', { name: 'Instance fleet-000' })).toBeInTheDocument();
    expect(row).toHaveAttribute('aria-selected', 'true');
  });
});
