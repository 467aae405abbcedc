import type { Page } from '@playwright/test';

/** The Edit dialog of a group: rename and the Instances list with its detail. */
export class EditDialog {
  constructor(private readonly page: Page) {}

  dialog = () => this.page.getByRole('dialog');
  instances = () => this.dialog().getByRole('region', { name: 'Instances' });
  instance = (name: string) => this.dialog().getByRole('row').filter({ hasText: name });
}
