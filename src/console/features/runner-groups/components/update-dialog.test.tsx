import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { seedGroup } from '../../../testing/db';
import { renderRunners } from '../../../testing/render';

describe('Update dialog', () => {
  it("states the server's rollback deadline and counts only the instances it replaces", async () => {
    seedGroup({ name: 'Mixed', updateDeadlineSeconds: 60 }, [
      { name: 'mixed-old', version: '1.3.0' },
      { name: 'mixed-new', version: '1.4.0' },
    ]);
    const { user } = await renderRunners();
    await user.click(await screen.findByRole('button', { name: 'More actions for Mixed' }));
    await user.click(await screen.findByRole('menuitem', { name: 'Update' }));
    const confirm = await screen.findByRole('alertdialog', { name: 'Update Mixed from 1.3.0, 1.4.0 to 1.4.0?' });
    expect(confirm).toHaveAccessibleDescription(/within 1 minute, the update is rolled back automatically/);
    await user.click(within(confirm).getByRole('button', { name: 'Update' }));
    expect(await screen.findByText('1 instance will be replaced. It rolls back by itself if not done in 1 minute.')).toBeInTheDocument();
  });
});
