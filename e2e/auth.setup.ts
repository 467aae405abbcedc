import { expect, test as setup } from '@playwright/test';

// Signs in once through the real Sign in page; the other specs start from this session.
setup('sign in as admin', async ({ page }) => {
  await page.goto('/');
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password').fill(process.env.PADDOCK_E2E_ADMIN_PASSWORD!);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Runners' })).toBeVisible();
  await page.context().storageState({ path: 'test-results/.auth/admin.json' });
});
