import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { HttpResponse, http } from 'msw';
import { describe, expect, it, vi } from 'vitest';
import { api } from '../../../../contract';
import { buildGroup, buildInstallTemplate, buildRegistrationKey } from '../../../testing/factories';
import { server } from '../../../testing/server';
import { InstallView } from './install-view';

const group = buildGroup({ name: 'Prod EU' });
const template = buildInstallTemplate('helm');

/** The control plane answers 503 to the install template of every platform. */
function installTemplateUnavailable() {
  server.use(
    http.get(`${api.base}/install/:platform`, () =>
      HttpResponse.json({ type: 'about:blank', title: 'Service unavailable', status: 503 }, { status: 503, headers: { 'Content-Type': 'application/problem+json' } }),
    ),
  );
}

function setup() {
  const key = buildRegistrationKey();
  const onCopied = vi.fn();
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const urls: string[] = [];
  server.events.removeAllListeners();
  server.events.on('request:start', ({ request }) => {
    urls.push(request.url);
  });
  const user = userEvent.setup();
  render(
    <QueryClientProvider client={queryClient}>
      <InstallView group={group} registrationKey={key} onCopied={onCopied} />
    </QueryClientProvider>,
  );
  return { key, onCopied, queryClient, urls, user };
}

/** The text of the code block captioned `label`. */
async function code(label: string) {
  const block = await screen.findByRole('figure', { name: label });
  return block.querySelector('code')?.textContent ?? '';
}

describe('InstallView', () => {
  it('shows Helm, Docker and CloudFormation tabs, Helm first, with the key and the warning', async () => {
    const { key } = setup();
    expect(screen.getByRole('status')).toHaveTextContent('Loading the install template…');
    expect((await screen.findAllByRole('tab')).map((t) => t.textContent)).toEqual(['Helm', 'Docker', 'CloudFormation']);
    expect(screen.getByRole('tab', { name: 'Helm' })).toHaveAttribute('aria-selected', 'true');
    const helm = await code('Helm command');
    expect(helm).toContain(`helm upgrade --install prod-eu ${template.helmChart}`);
    expect(helm).toContain(`--set appKey=${key}`);
    expect(helm).toContain(`--set serverUrl=${template.serverUrl}`);
    expect(screen.getByRole('note')).toHaveTextContent('this registration key will not be shown again');
  });

  it('copies the Helm command to the clipboard and reports it', async () => {
    const { key, onCopied, user } = setup();
    await user.click(await screen.findByRole('button', { name: 'Copy Helm command' }));
    expect(await navigator.clipboard.readText()).toContain(`--set appKey=${key}`);
    expect(onCopied).toHaveBeenCalledTimes(1);
    expect(screen.getByRole('button', { name: 'Copy Helm command' })).toHaveTextContent('Copied');
  });

  it('does not report a copy the clipboard refused', async () => {
    const { onCopied, user } = setup();
    vi.spyOn(navigator.clipboard, 'writeText').mockRejectedValueOnce(new Error('denied'));
    await user.click(await screen.findByRole('button', { name: 'Copy Helm command' }));
    expect(await screen.findByText('Copying failed: select the text and copy it by hand.')).toBeVisible();
    expect(onCopied).not.toHaveBeenCalled();
  });

  it('validates resource limits as Kubernetes quantities and renders them as --set config.container.<name>', async () => {
    const { user } = setup();
    await screen.findByRole('figure', { name: 'Helm command' });
    await user.click(screen.getByText('Advanced: resource limits'));
    const memory = screen.getByLabelText('limit_memory');
    expect(memory).toHaveAttribute('placeholder', '1Gi');
    await user.type(memory, '512MB');
    expect(memory).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByText('limit_memory must be a Kubernetes quantity such as 512Mi or 2Gi')).toBeVisible();
    expect(screen.queryByRole('figure', { name: 'Helm command' })).not.toBeInTheDocument();
    expect(screen.getByText('Fix the fields marked above to see the command.')).toBeVisible();

    await user.clear(memory);
    await user.type(memory, '2Gi');
    await user.type(screen.getByLabelText('extra_limit_cpu'), '750m');
    const helm = await code('Helm command');
    expect(helm).toContain('--set config.container.limit_memory="2Gi"');
    expect(helm).toContain('--set config.container.extra_limit_cpu="750m"');
    expect(helm).not.toContain('limit_storage');
  });

  it('renders an ExternalSecret for <slug>-runner-secret and a helm command without the key when using an existing secret', async () => {
    const { key, onCopied, user } = setup();
    await screen.findByRole('figure', { name: 'Helm command' });
    await user.click(screen.getByRole('checkbox', { name: 'Use an existing secret' }));
    const manifest = await code('ExternalSecret manifest');
    expect(manifest).toContain('kind: ExternalSecret');
    expect(manifest).toContain('name: prod-eu-runner-secret');
    expect(manifest).toContain('key: paddock/prod-eu/registration-key');
    expect(manifest).not.toContain(key);
    const helm = await code('Helm command');
    expect(helm).toContain('--set existingSecret=prod-eu-runner-secret');
    expect(helm).not.toContain(key);
    expect(await code('Registration key')).toBe(key);
    await user.click(screen.getByRole('button', { name: 'Copy Registration key' }));
    expect(await navigator.clipboard.readText()).toBe(key);
    expect(onCopied).toHaveBeenCalledTimes(1);
  });

  it('Docker: docker run with the key, no container name, and says to run it again to add instances', async () => {
    const { key, onCopied, user } = setup();
    await user.click(await screen.findByRole('tab', { name: 'Docker' }));
    const docker = await code('Docker command');
    expect(docker).toMatch(/^docker run -d/);
    expect(docker).toContain(`-e PADDOCK_RUNNER_KEY=${key}`);
    expect(docker).toContain('-v /var/run/docker.sock:/var/run/docker.sock');
    expect(docker).toContain('--label paddock.runner-group=prod-eu');
    expect(docker).not.toContain('--name');
    expect(screen.getByText('run the same command again')).toBeVisible();
    expect(screen.getByRole('note')).toHaveTextContent('will not be shown again');
    await user.click(screen.getByRole('button', { name: 'Copy Docker command' }));
    expect(onCopied).toHaveBeenCalledTimes(1);
  });

  it('CloudFormation: validates the form, then offers Launch stack without the key and the key beside it', async () => {
    const { key, user } = setup();
    await user.click(await screen.findByRole('tab', { name: 'CloudFormation' }));
    const form = await screen.findByRole('form', { name: 'CloudFormation parameters' });
    expect(within(form).getByLabelText('Disk size (GiB)')).toHaveValue('40');
    // Plain-English labels with the template's parameter name as the hint; Region is a list.
    expect(within(form).getByLabelText('Disk size (GiB)')).toHaveAccessibleDescription('Parameter DiskSize');
    expect(within(form).getByLabelText('SSH key pair')).toHaveAccessibleDescription('Parameter InstanceEc2KeyPair');
    expect(within(form).getByLabelText('AWS region').tagName).toBe('SELECT');
    // The Vault root token, like the key, is never typed into Paddock.
    expect(within(form).queryByLabelText('Vault root token')).toBeNull();
    expect(form.querySelector('input[type="password"]')).toBeNull();
    // Fixed parameters, labelled in words with the template's parameter name.
    expect(within(form).getByLabelText('Server URL (ServerURL)')).toHaveAttribute('readonly');
    expect(within(form).getByLabelText('Runner version (RunnerVersion)')).toHaveAttribute('readonly');
    expect(within(form).getByLabelText('Latest AMI SSM path (LatestAmiId)')).toHaveAttribute('readonly');
    expect(screen.queryByRole('link', { name: 'Launch stack' })).not.toBeInTheDocument();
    // Launch stack is there from the start, disabled, with the reasons.
    const launch = screen.getByRole('button', { name: 'Launch stack' });
    expect(launch).toBeDisabled();
    expect(launch).toHaveAccessibleDescription(/^Launch stack and the command need: SSH key pair: is required/);
    // Like every tab, it has the key with its warning and a copy button before the form is complete.
    const panel = screen.getByRole('tabpanel', { name: 'CloudFormation' });
    expect(within(panel).getByRole('note')).toHaveTextContent('will not be shown again');
    expect(within(panel).getByRole('button', { name: 'Copy RunnerApiKey' })).toBeVisible();
    expect(await code('RunnerApiKey')).toBe(key);
    // PRODUCT.md §3: the key goes into the RunnerApiKey field, "shown beside it": one such text, as the key's label.
    expect(within(panel).getByText('RunnerApiKey')).toBeVisible();

    await user.type(within(form).getByLabelText('SSH key pair'), 'ops');
    const cidr = within(form).getByLabelText('Who may connect over SSH (CIDR block)');
    await user.type(cidr, '10.0.0.1/24');
    await user.tab();
    expect(screen.getByText('Who may connect over SSH (CIDR block) host bits must be zero (did you mean 10.0.0.0/24?)')).toBeVisible();
    await user.clear(cidr);
    await user.type(cidr, '10.0.0.0/24');

    await user.type(within(form).getByLabelText('VPC'), 'vpc-0abc1234');
    await user.tab();
    expect(screen.getByText(/Launch stack and the command need/)).toHaveTextContent('Subnet: is required when a VPC is given (give both or neither)');
    expect(screen.queryByRole('link', { name: 'Launch stack' })).not.toBeInTheDocument();
    await user.clear(within(form).getByLabelText('VPC'));

    const link = await screen.findByRole('link', { name: 'Launch stack' });
    const href = link.getAttribute('href')!;
    expect(href).toContain('param_InstanceEc2KeyPair=ops');
    expect(href).toContain('param_DiskSize=40');
    expect(href).not.toContain(key);
    expect(link).toHaveAttribute('rel', 'noopener noreferrer');
    expect(within(screen.getByRole('region', { name: 'Launch stack' })).getByRole('figure', { name: 'RunnerApiKey' })).toBeVisible();
    expect(await code('RunnerApiKey')).toBe(key);
    const create = await code('aws cloudformation create-stack command');
    expect(create).toContain(`"ParameterKey":"RunnerApiKey","ParameterValue":"${key}"`);
    expect(await code('SSH command')).toBe("ssh -i ~/.ssh/ops.pem 'ec2-user@<Ec2InstancePublicDnsName>'");
    await user.type(screen.getByLabelText('Ec2InstancePublicDnsName (from the outputs, optional)'), 'ec2-1-2-3-4.compute-1.amazonaws.com');
    expect(await code('SSH command')).toBe('ssh -i ~/.ssh/ops.pem ec2-user@ec2-1-2-3-4.compute-1.amazonaws.com');

    // A Vault address alone is enough: the token is a blank in the command and pasted in AWS.
    await user.type(within(form).getByLabelText('Vault address'), 'https://vault.example.com:8200');
    expect(await screen.findByRole('link', { name: 'Launch stack' })).not.toHaveAttribute('href', expect.stringContaining('vault-root-token'));
    expect(await code('aws cloudformation create-stack command')).toContain('"ParameterKey":"OnPremVaultRootToken","ParameterValue":"<vault-root-token>"');
  });

  it('never puts the key in a query key, the query cache, a request URL or browser storage', async () => {
    const { key, queryClient, urls, user } = setup();
    await screen.findByRole('figure', { name: 'Helm command' });
    await user.click(screen.getByRole('tab', { name: 'Docker' }));
    await screen.findByRole('figure', { name: 'Docker command' });
    await user.click(screen.getByRole('tab', { name: 'CloudFormation' }));
    await screen.findByRole('form', { name: 'CloudFormation parameters' });
    const cache = queryClient.getQueryCache().getAll();
    expect(cache.map((q) => q.queryKey)).toEqual(expect.arrayContaining([['install', 'helm'], ['install', 'docker'], ['install', 'cloudformation']]));
    expect(JSON.stringify(cache.map((q) => [q.queryKey, q.state.data]))).not.toContain(key);
    expect(urls.length).toBeGreaterThanOrEqual(3);
    for (const url of urls) expect(url).not.toContain(key);
    expect(JSON.stringify({ ...localStorage })).not.toContain(key);
    expect(JSON.stringify({ ...sessionStorage })).not.toContain(key);
  });

  it('shows an error with Try again when the install template cannot be loaded', async () => {
    installTemplateUnavailable();
    const { user } = setup();
    expect(await screen.findByRole('alert')).toHaveTextContent('Could not load the install template');
    server.resetHandlers();
    await user.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByRole('figure', { name: 'Helm command' })).toBeVisible();
  });

  it('warns, word for word, when the server URL is a loopback address other machines cannot reach', async () => {
    server.use(
      http.get(`${api.base}/install/:platform`, ({ params }) =>
        HttpResponse.json({ ...buildInstallTemplate(params.platform as 'helm'), serverUrl: 'http://127.0.0.1:8080' }),
      ),
    );
    setup();
    const note = await screen.findByText(/Runners on other machines cannot reach/);
    expect(note.closest('[role="note"]')).toHaveTextContent(
      'Runners on other machines cannot reach http://127.0.0.1:8080. Set PADDOCK_PUBLIC_URL to an address they can reach.',
    );
    // The lead names the URL's own scheme: never "HTTPS" for an http URL.
    expect(screen.getByText(/whose pods dial/)).toHaveTextContent(/over outbound HTTP\.$/);
  });

  it('says nothing about the URL when it is https on another host', async () => {
    setup();
    await screen.findByRole('tab', { name: 'Helm' });
    expect(screen.queryByText(/cannot reach|unencrypted/)).toBeNull();
    expect(await screen.findByText(/whose pods dial/)).toHaveTextContent(/over outbound HTTPS\.$/);
  });
});
