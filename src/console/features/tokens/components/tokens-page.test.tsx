import { screen, waitFor, within } from '@testing-library/react';
import { HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
import { api } from '../../../../contract/paths';
import { db } from '../../../testing/db';
import { buildApiToken } from '../../../testing/factories';
import { problem } from '../../../testing/handlers';
import { viewerSession } from '../../../testing/overrides';
import { dumpQueryClient, renderApp } from '../../../testing/render';
import { server } from '../../../testing/server';

const issuedSecret = () => db.issuedSecrets.at(-1)!;

/** The server refuses to revoke (a named state, as the other overrides). */
function revokeFails() {
  server.use(http.delete(`${api.tokens}/:id`, () => problem(503, 'Service Unavailable', { detail: 'The database cannot be reached.' })));
}

async function openPage() {
  const r = renderApp('/settings/tokens');
  await screen.findByRole('heading', { name: 'API tokens', level: 1 });
  return r;
}

async function createToken(user: ReturnType<typeof renderApp>['user'], name: string, scope: 'Read' | 'Read and write' = 'Read') {
  await user.click(screen.getAllByRole('button', { name: 'New API token' })[0]!);
  const dialog = await screen.findByRole('dialog', { name: 'New API token' });
  await user.type(within(dialog).getByLabelText('Name'), name);
  await user.click(within(dialog).getByRole('radio', { name: scope }));
  await user.click(within(dialog).getByRole('button', { name: 'Create token' }));
  return screen.findByRole('dialog', { name: 'New API token: copy its secret' });
}

describe('API tokens page', () => {
  it('is in the user menu', async () => {
    const { user } = renderApp('/');
    await screen.findByRole('heading', { name: 'Runners', level: 1 });
    await user.click(screen.getByRole('button', { name: /Account menu of admin/ }));
    await user.click(await screen.findByRole('menuitem', { name: 'API tokens' }));
    expect(await screen.findByRole('heading', { name: 'API tokens', level: 1 })).toBeInTheDocument();
    expect(document.title).toBe('API tokens · Paddock');
  });

  it('creates a token and shows its secret once, with a copy button and how to use it', async () => {
    const { user } = await openPage();
    expect(await screen.findByText('No API tokens yet')).toBeInTheDocument();
    const shown = await createToken(user, 'terraform-ci', 'Read and write');
    const field = within(shown).getByLabelText('Token secret');
    expect(field).toHaveValue(issuedSecret());
    expect(field).toHaveAttribute('readonly');
    expect(field).toHaveAttribute('autocomplete', 'off');
    expect(within(shown).getByRole('note')).toHaveTextContent('will not be shown again');
    expect(within(shown).getByText(/Authorization: Bearer \$PADDOCK_TOKEN/)).toBeInTheDocument();
    await user.click(within(shown).getByRole('button', { name: 'Copy token' }));
    // user-event stands in for the clipboard: the secret is what it holds.
    expect(await navigator.clipboard.readText()).toBe(issuedSecret());
    expect(within(shown).getByRole('button', { name: 'Copied' })).toBeInTheDocument();
    expect(db.tokens[0]).toMatchObject({ name: 'terraform-ci', scope: 'write' });
  });

  it('never puts the secret in the query cache, and forgets it when closed', async () => {
    const { user, queryClient } = await openPage();
    await createToken(user, 'nightly');
    const secret = issuedSecret();
    expect(dumpQueryClient(queryClient)).not.toContain(secret);
    await user.click(screen.getByRole('button', { name: 'Copy token' }));
    await user.click(screen.getByRole('button', { name: 'Close' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    // Listed without its secret: the name and the prefix only.
    const row = screen.getByRole('row', { name: /nightly/ });
    expect(row).toHaveTextContent(`${secret.slice(0, 8)}…`);
    expect(document.body.innerHTML).not.toContain(secret.slice(8));
    await waitFor(() => expect(queryClient.getMutationCache().getAll()).toHaveLength(0));
    expect(dumpQueryClient(queryClient)).not.toContain(secret.slice(8));
    expect(JSON.stringify({ ...localStorage, ...sessionStorage })).not.toContain(secret.slice(8));
  });

  it('asks before closing while the secret was not copied: Go back keeps it, Close anyway closes', async () => {
    const { user } = await openPage();
    await createToken(user, 'forgotten');
    await user.click(screen.getByRole('button', { name: 'Close' }));
    const confirm = await screen.findByRole('alertdialog', { name: 'Close without copying the token?' });
    await user.click(within(confirm).getByRole('button', { name: 'Go back' }));
    expect(screen.getByLabelText('Token secret')).toHaveValue(issuedSecret());
    await user.click(screen.getByRole('button', { name: 'Close' }));
    await user.click(await screen.findByRole('button', { name: 'Close anyway' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(document.body.innerHTML).not.toContain(issuedSecret().slice(8));
  });

  it('says why a name is refused, and a taken name, without closing', async () => {
    db.tokens.push(buildApiToken({ name: 'deploy' }));
    const { user } = await openPage();
    await user.click(screen.getAllByRole('button', { name: 'New API token' })[0]!);
    const dialog = await screen.findByRole('dialog', { name: 'New API token' });
    await user.click(within(dialog).getByRole('button', { name: 'Create token' }));
    expect(within(dialog).getByText('Name must not be empty.')).toBeInTheDocument();
    await user.type(within(dialog).getByLabelText('Name'), 'Deploy');
    await user.click(within(dialog).getByRole('button', { name: 'Create token' }));
    expect(await within(dialog).findByText(/already has an API token named "Deploy"/)).toBeInTheDocument();
    expect(within(dialog).getByLabelText('Name')).toHaveAttribute('aria-invalid', 'true');
  });

  it('lists tokens with scope, expiry and last use, and revokes one after confirming', async () => {
    db.tokens.push(
      buildApiToken({ name: 'grafana', scope: 'read', lastUsedAt: new Date().toISOString(), lastUsedFrom: '10.0.0.7' }),
      buildApiToken({ name: 'old-ci', scope: 'write', expiresAt: '2026-01-01T00:00:00Z', owner: 'olga' }),
    );
    const { user } = await openPage();
    const grafana = await screen.findByRole('row', { name: /grafana/ });
    expect(grafana).toHaveTextContent('Read');
    expect(grafana).toHaveTextContent('from 10.0.0.7');
    expect(grafana).toHaveTextContent('Never');
    const old = screen.getByRole('row', { name: /old-ci/ });
    expect(old).toHaveTextContent('Read and write');
    expect(old).toHaveTextContent('Expired');
    expect(old).toHaveTextContent('olga'); // admins see the owner
    await user.click(within(old).getByRole('button', { name: 'Revoke old-ci' }));
    const confirm = await screen.findByRole('alertdialog', { name: 'Revoke old-ci?' });
    await user.click(within(confirm).getByRole('button', { name: 'Cancel' }));
    expect(db.tokens.map((t) => t.name)).toContain('old-ci');
    await user.click(within(old).getByRole('button', { name: 'Revoke old-ci' }));
    await user.click(within(await screen.findByRole('alertdialog', { name: 'Revoke old-ci?' })).getByRole('button', { name: 'Revoke' }));
    await waitFor(() => expect(screen.queryByRole('row', { name: /old-ci/ })).toBeNull());
    expect(db.tokens.map((t) => t.name)).toEqual(['grafana']);
  });

  it('keeps the confirmation open and says so when revoking fails', async () => {
    db.tokens.push(buildApiToken({ name: 'sticky' }));
    revokeFails();
    const { user } = await openPage();
    await user.click(await screen.findByRole('button', { name: 'Revoke sticky' }));
    const confirm = await screen.findByRole('alertdialog', { name: 'Revoke sticky?' });
    await user.click(within(confirm).getByRole('button', { name: 'Revoke' }));
    expect(await within(confirm).findByRole('alert')).toHaveTextContent('The database cannot be reached.');
    expect(confirm).toBeVisible();
    expect(db.tokens.map((t) => t.name)).toEqual(['sticky']);
  });

  it('lets a viewer make read tokens only, saying why', async () => {
    viewerSession();
    const { user } = await openPage();
    await user.click(screen.getAllByRole('button', { name: 'New API token' })[0]!);
    const dialog = await screen.findByRole('dialog', { name: 'New API token' });
    const write = within(dialog).getByRole('radio', { name: 'Read and write' });
    expect(write).toBeDisabled();
    expect(write).toHaveAccessibleDescription(/as a viewer you can make read tokens only/);
    expect(within(dialog).getByRole('radio', { name: 'Read' })).toBeChecked();
  });

  it('shows how to call the API with a token, for this control plane', async () => {
    await openPage();
    const usage = screen.getByRole('region', { name: 'Call the API with a token' });
    expect(usage).toHaveTextContent(`curl -fsS "${window.location.origin}/api/v1/runner-groups"`);
    expect(within(usage).getByRole('link', { name: 'OpenAPI document' })).toHaveAttribute('href', api.openapi);
  });

  it('says when the list cannot be loaded, and loads again', async () => {
    server.use(http.get(api.tokens, () => problem(503, 'Service Unavailable', { detail: 'The database cannot be reached.' }), { once: true }));
    const { user } = await openPage();
    expect(await screen.findByRole('alert')).toHaveTextContent('The database cannot be reached.');
    server.use(http.get(api.tokens, () => HttpResponse.json([buildApiToken({ name: 'back' })])));
    await user.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByRole('row', { name: /back/ })).toBeInTheDocument();
  });
});
