import { screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { renderApp } from '../testing/render';

describe('console routes', () => {
  it('/runners is the Runners page too (the left navigation names it Runners, PRODUCT.md §3)', async () => {
    renderApp('/runners');
    expect(await screen.findByRole('heading', { name: 'Runners', level: 1 })).toBeVisible();
    expect(screen.queryByText(/Page not found/i)).not.toBeInTheDocument();
  });
});
