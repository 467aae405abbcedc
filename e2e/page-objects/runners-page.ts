import { type Page, test } from '@playwright/test';

/** The Runners page: the list of runner groups and the actions on each. */
export class RunnersPage {
  constructor(private readonly page: Page) {}

  heading = () => this.page.getByRole('heading', { name: 'Runners', level: 1 });
  newGroupButton = () => this.page.getByRole('button', { name: 'New Runner Group' }).first();
  /** The row of one group, found by its name. */
  group = (name: string) => this.page.getByRole('row').filter({ has: this.page.getByText(name, { exact: true }) });
  /** The health label beside the group's dot ("Healthy · 1 of 1", "Down · 0 of 1", …; PRODUCT.md §2). */
  status = (name: string) => this.group(name).getByText(/^(Healthy|Degraded|Down) · \d+ of \d+|^Waiting for first runner/);
  moreActions = (name: string) => this.page.getByRole('button', { name: `More actions for ${name}` });
  menuItem = (label: string) => this.page.getByRole('menuitem', { name: label });

  async goto() {
    await test.step('open the Runners page', async () => {
      await this.page.goto('/runners');
      await this.heading().waitFor();
    });
  }

  async openAction(groupName: string, action: string) {
    await test.step(`${action} from the 3-dot menu of ${groupName}`, async () => {
      await this.moreActions(groupName).click();
      await this.menuItem(action).click();
    });
  }
}
