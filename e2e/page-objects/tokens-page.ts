import { type Page, test } from '@playwright/test';

/** The API tokens page (`/settings/tokens`) and its New API token dialog. */
export class TokensPage {
  constructor(private readonly page: Page) {}

  heading = () => this.page.getByRole('heading', { name: 'API tokens', level: 1 });
  accountMenu = () => this.page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: /^Account menu of / });
  newTokenButton = () => this.page.getByRole('button', { name: 'New API token' }).first();
  dialog = () => this.page.getByRole('dialog');
  nameField = () => this.dialog().getByLabel('Name');
  scope = (label: 'Read' | 'Read and write') => this.dialog().getByRole('radio', { name: label, exact: true });
  createButton = () => this.dialog().getByRole('button', { name: 'Create token' });
  secretField = () => this.dialog().getByLabel('Token secret');
  copyButton = () => this.dialog().getByRole('button', { name: /^(Copy token|Copied)$/ });
  closeButton = () => this.dialog().getByRole('button', { name: 'Close', exact: true });
  /** The row of one token, by its name. */
  token = (name: string) => this.page.getByRole('row').filter({ has: this.page.getByRole('rowheader', { name: new RegExp(`^${name}`) }) });
  revokeButton = (name: string) => this.page.getByRole('button', { name: `Revoke ${name}` });
  confirmRevoke = (name: string) => this.page.getByRole('alertdialog', { name: `Revoke ${name}?` });
  usage = () => this.page.getByRole('region', { name: 'Call the API with a token' });

  async openFromUserMenu() {
    await test.step('open API tokens from the user menu', async () => {
      await this.accountMenu().click();
      await this.page.getByRole('menuitem', { name: 'API tokens' }).click();
      await this.heading().waitFor();
    });
  }

  /** Creates a token and answers its secret, read from the field as a user copying it would. */
  async create(name: string, scope: 'Read' | 'Read and write'): Promise<string> {
    return test.step(`create API token ${name} (${scope})`, async () => {
      await this.newTokenButton().click();
      await this.nameField().fill(name);
      await this.scope(scope).check();
      await this.createButton().click();
      await this.secretField().waitFor();
      return this.secretField().inputValue();
    });
  }

  async revoke(name: string) {
    await test.step(`revoke ${name}, confirming`, async () => {
      await this.revokeButton(name).click();
      await this.confirmRevoke(name).getByRole('button', { name: 'Revoke', exact: true }).click();
      await this.confirmRevoke(name).waitFor({ state: 'hidden' });
    });
  }
}
