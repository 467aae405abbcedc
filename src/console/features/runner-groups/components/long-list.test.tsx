import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { manyGroups } from '../../../testing/overrides';
import { renderRunners } from '../../../testing/render';

// Its own file: the first long list of a test file is the one that used to render twice (first a
// plain slice of rows, then the virtualized ones), and other files' lists must not come first.
describe('Runners page with 1,000 groups', () => {
  it('keeps the rows it first rendered, so a menu opened right away stays open', async () => {
    manyGroups(1_000);
    const { user } = await renderRunners();
    const table = await screen.findByRole('table', { name: 'Runner groups' });
    const trigger = await within(table).findByRole('button', { name: 'More actions for group-0000' });
    const firstRow = trigger.closest('[role="row"]');
    await user.click(trigger);
    expect(await screen.findByRole('menu')).toBeInTheDocument();

    // The rows in view (600 px of the test setup's scroller, 60 px rows, plus overscan), not a fixed slice.
    await waitFor(() => expect(within(table).getAllByRole('row').length).toBeLessThan(30));
    expect(trigger).toBeInTheDocument();
    expect(firstRow).toBeInTheDocument();
    expect(trigger).toHaveAttribute('aria-expanded', 'true');
    expect(screen.getByRole('menuitem', { name: 'Edit' })).toBeInTheDocument();
    expect(table).toHaveAttribute('aria-rowcount', '1001');
  });
});
