import { type Page, test } from '@playwright/test';

/** The Notifications page: its channels, the New channel dialog and each channel's actions. */
export class NotificationsPage {
  constructor(readonly page: Page) {}

  heading = () => this.page.getByRole('heading', { name: 'Notifications', level: 1 });
  channel = (name: string) => this.page.getByRole('region', { name, exact: true });
  dialog = () => this.page.getByRole('dialog');

  async open() {
    await test.step('open Notifications from the navigation', async () => {
      await this.page.goto('/');
      await this.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Notifications' }).click();
      await this.heading().waitFor();
    });
  }

  /** Creates a webhook channel through the dialog; answers the secret it showed once. */
  async createWebhook(name: string, url: string): Promise<string> {
    return test.step(`create the webhook channel ${name}`, async () => {
      await this.page.getByRole('button', { name: 'New channel' }).click();
      const dialog = this.page.getByRole('dialog', { name: 'New channel' });
      await dialog.getByLabel('Name').fill(name);
      await dialog.getByLabel('URL').fill(url);
      await dialog.getByRole('button', { name: 'Create channel' }).click();
      const secretDialog = this.page.getByRole('dialog', { name: `Signing secret of ${name}` });
      const secret = (await secretDialog.getByLabel('Signing secret').textContent()) ?? '';
      await secretDialog.getByRole('button', { name: 'Done' }).click();
      await this.channel(name).waitFor();
      return secret;
    });
  }

  async sendTest(name: string) {
    await test.step(`Send test to ${name}`, async () => {
      await this.channel(name).getByRole('button', { name: 'Send test' }).click();
    });
  }

  async openLog(name: string) {
    await test.step(`open the delivery log of ${name}`, async () => {
      await this.channel(name).getByRole('button', { name: 'Delivery log' }).click();
    });
    return this.channel(name).getByRole('table');
  }
}
