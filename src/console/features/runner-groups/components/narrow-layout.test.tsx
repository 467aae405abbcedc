import { screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { groupBehind } from '../../../testing/overrides';
import { renderRunners } from '../../../testing/render';

/** Pretends the screen is a phone: every `max-width` media query matches. */
function phoneScreen() {
  window.matchMedia = ((query: string) => ({
    matches: query.includes('max-width'),
    media: query,
    onchange: null,
    addEventListener: () => {},
    removeEventListener: () => {},
    addListener: () => {},
    removeListener: () => {},
    dispatchEvent: () => false,
  })) as typeof window.matchMedia;
}

describe('on a phone', () => {
  const original = window.matchMedia;
  beforeEach(phoneScreen);
  afterEach(() => {
    window.matchMedia = original;
  });

  it('the Runners list keeps health, group (with versions) and the menu in three columns', async () => {
    groupBehind('Staging');
    const { user } = await renderRunners();
    const table = await screen.findByRole('table', { name: 'Runner groups' });
    expect(within(table).getAllByRole('columnheader').map((h) => h.textContent)).toEqual(['Health', 'Group', 'Actions']);
    const row = within(table).getAllByRole('row')[1]!;
    expect(row).toHaveTextContent('Healthy · 2 of 2');
    expect(row).toHaveTextContent('Staging');
    expect(row).toHaveTextContent('1.3.0behind');
    await user.click(within(row).getByRole('button', { name: 'More actions for Staging' }));
    await user.click(await screen.findByRole('menuitem', { name: 'Edit' }));
    const dialog = await screen.findByRole('dialog', { name: 'Edit Staging' });
    const instances = await within(dialog).findByRole('table', { name: 'Instances' });
    expect(within(instances).getAllByRole('columnheader').map((h) => h.textContent)).toEqual(['Instance', 'Last heartbeat']);
    const staging1 = within(instances).getByRole('row', { name: /staging-1/ });
    expect(staging1).toHaveTextContent('Connected');
    expect(staging1).toHaveTextContent('1.3.0 · docker · host-');
  });
});
