import { type Page, test } from '@playwright/test';

/** The New Runner Group dialog and the install view it turns into. */
export class NewGroupDialog {
  constructor(private readonly page: Page) {}

  dialog = () => this.page.getByRole('dialog');
  nameField = () => this.dialog().getByLabel('Name');
  defaultBox = () => this.dialog().getByRole('checkbox', { name: 'Default' });
  createButton = () => this.dialog().getByRole('button', { name: 'Create' });
  tab = (name: 'Helm' | 'Docker' | 'CloudFormation') => this.dialog().getByRole('tab', { name });
  activePanel = () => this.dialog().getByRole('tabpanel');
  closeButton = () => this.dialog().getByRole('button', { name: 'Close', exact: true });
  confirmClose = () => this.page.getByRole('alertdialog', { name: 'Close without copying the key?' });

  async create(name: string) {
    await test.step(`create runner group ${name}`, async () => {
      await this.nameField().fill(name);
      await this.createButton().click();
      await this.tab('Docker').waitFor();
    });
  }

  /** Reads the key out of the Docker command, as a user copying it would. */
  async readKeyFromDocker(): Promise<string> {
    return test.step('read the key from the Docker tab', async () => {
      await this.tab('Docker').click();
      const text = (await this.activePanel().textContent()) ?? '';
      const key = /prk_[0-9A-Za-z]{46}/.exec(text)?.[0];
      if (!key) throw new Error('no registration key in the Docker tab');
      return key;
    });
  }
}
