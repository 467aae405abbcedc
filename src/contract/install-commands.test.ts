import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  cfnParameters,
  cidrError,
  createStackCommand,
  dockerCommand,
  emptyCfnForm,
  externalSecretManifest,
  groupSlug,
  helmCommand,
  kubectlScaleCommand,
  launchStackUrl,
  runnerImageRef,
  shellQuote,
  sshCommand,
  templateCommand,
  validateCfnForm,
  validateQuantity,
} from '.';

/** The argv a real shell hands to the command (the first word included). */
function argv(command: string): string[] {
  const out = execFileSync('sh', ['-c', `printf '%s\\0' ${command}`], { encoding: 'utf8', env: { PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'ignore'] });
  return out.split('\0').slice(0, -1);
}

const key = 'prk_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd123456';
const base = {
  groupName: 'Prod EU',
  chart: 'oci://ghcr.io/paddock/charts/paddock-runner',
  serverUrl: 'https://paddock.example.com',
  registrationKey: key,
  runnerImage: 'ghcr.io/paddock/runner',
  runnerVersion: '1.4.0',
};

describe('groupSlug', () => {
  it.each([
    ['Prod EU', 'prod-eu'],
    ['  build.farm_02 ', 'build-farm-02'],
    ['--Edge--', 'edge'],
    ['...', 'runner-group'],
    ['ÄÖ runners', 'runners'],
    ['a'.repeat(60), 'a'.repeat(53)],
    [`${'a'.repeat(52)}-b`, 'a'.repeat(52)],
  ])('%s → %s', (name, slug) => {
    expect(groupSlug(name)).toBe(slug);
    expect(slug).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
  });
});

describe('shellQuote', () => {
  it.each([
    ['plain', 'plain'],
    ['https://x.example.com/a', 'https://x.example.com/a'],
    ['two words', `'two words'`],
    [`it's`, `'it'\\''s'`],
    ['$(rm -rf /)', `'$(rm -rf /)'`],
    ['', `''`],
  ])('%s', (value, quoted) => {
    expect(shellQuote(value)).toBe(quoted);
    expect(argv(`x ${shellQuote(value)}`)).toEqual(['x', value]);
  });
});

describe('validateQuantity', () => {
  it.each([
    ['limit_cpu', '', null],
    ['limit_cpu', '500m', null],
    ['limit_cpu', '2', null],
    ['limit_cpu', '1.5', null],
    ['limit_memory', '512Mi', null],
    ['limit_memory', '1e9', null],
    ['extra_limit_storage', '10Gi', null],
    ['limit_cpu', '0', 'must be greater than zero'],
    ['limit_memory', '0Mi', 'must be greater than zero'],
    ['limit_cpu', '-1', 'must be a Kubernetes quantity such as 500m or 2'],
    ['limit_memory', '512MB', 'must be a Kubernetes quantity such as 512Mi or 2Gi'],
    ['limit_memory', '1 Gi', 'must be a Kubernetes quantity such as 512Mi or 2Gi'],
    ['limit_memory', '"1Gi"', 'must be a Kubernetes quantity such as 512Mi or 2Gi'],
    ['limit_memory', '512m', 'm means thousandths of a byte here: use Mi or Gi'],
    ['extra_limit_cpu', 'lots', 'must be a Kubernetes quantity such as 500m or 2'],
  ] as const)('%s=%s', (name, value, error) => {
    expect(validateQuantity(name, value)).toBe(error);
  });
});

describe('helmCommand', () => {
  it('installs the slug as release with the key, server URL and image', () => {
    const cmd = helmCommand(base);
    expect(cmd).toBe(
      [
        'helm upgrade --install prod-eu oci://ghcr.io/paddock/charts/paddock-runner',
        '--namespace paddock --create-namespace',
        `--set appKey=${key}`,
        '--set serverUrl=https://paddock.example.com',
        '--set replicaCount=1',
        '--set image.repository=ghcr.io/paddock/runner',
        '--set image.tag=1.4.0',
      ].join(' \\\n  '),
    );
  });

  it('renders each resource limit as --set config.container.<name>="<value>"', () => {
    const cmd = helmCommand({ ...base, limits: { limit_cpu: '2', extra_limit_memory: ' 512Mi ', limit_storage: '' }, replicaCount: 3 });
    expect(cmd).toContain('--set config.container.limit_cpu="2"');
    expect(cmd).toContain('--set config.container.extra_limit_memory="512Mi"');
    expect(cmd).not.toContain('limit_storage');
    expect(argv(cmd)).toContain('config.container.limit_cpu=2');
    expect(argv(cmd)).toContain('replicaCount=3');
  });

  it('references <slug>-runner-secret instead of the key with an existing secret', () => {
    const cmd = helmCommand({ ...base, existingSecret: true, namespace: 'ci' });
    expect(cmd).not.toContain(key);
    expect(cmd).not.toContain('appKey');
    expect(argv(cmd)).toEqual(expect.arrayContaining(['existingSecret=prod-eu-runner-secret', '--namespace', 'ci']));
  });

  it('quotes hostile values for the shell and escapes commas for --set', () => {
    const cmd = helmCommand({ ...base, serverUrl: "https://x.example.com/a,b'$(id)" });
    expect(argv(cmd)).toContain("serverUrl=https://x.example.com/a\\,b'$(id)");
  });
});

describe('externalSecretManifest', () => {
  it('targets <slug>-runner-secret with the key as appKey, never the key itself', () => {
    const yaml = externalSecretManifest({
      groupName: 'Prod EU',
      secretStoreName: 'vault',
      secretStoreKind: 'ClusterSecretStore',
      remoteKey: 'paddock/prod-eu/registration-key',
    });
    expect(yaml).toContain('kind: ExternalSecret');
    expect(yaml).toContain('  name: prod-eu-runner-secret\n  namespace: paddock');
    expect(yaml).toContain('  target:\n    name: prod-eu-runner-secret');
    expect(yaml).toContain('- secretKey: appKey');
    expect(yaml).toContain('key: paddock/prod-eu/registration-key');
    expect(yaml).not.toContain('prk_');
  });
});

describe('dockerCommand', () => {
  it('runs detached, socket mounted, restart policy, env, label, no --name', () => {
    const cmd = dockerCommand(base);
    const words = argv(cmd);
    expect(words.slice(0, 3)).toEqual(['docker', 'run', '-d']);
    expect(words).toEqual(
      expect.arrayContaining([
        '--restart',
        'unless-stopped',
        '-v',
        '/var/run/docker.sock:/var/run/docker.sock',
        `PADDOCK_RUNNER_KEY=${key}`,
        'PADDOCK_SERVER_URL=https://paddock.example.com',
        'paddock.runner-group=prod-eu',
      ]),
    );
    expect(words.at(-1)).toBe('ghcr.io/paddock/runner:1.4.0');
    expect(words).not.toContain('--name');
  });

  it.each([
    ['ghcr.io/paddock/runner', 'ghcr.io/paddock/runner:1.4.0'],
    ['ghcr.io/paddock/runner:edge', 'ghcr.io/paddock/runner:edge'],
    ['registry:5000/runner', 'registry:5000/runner:1.4.0'],
    ['runner@sha256:abc', 'runner@sha256:abc'],
  ])('image %s → %s', (image, ref) => {
    expect(runnerImageRef(image, '1.4.0')).toBe(ref);
  });
});

describe('kubectlScaleCommand', () => {
  it('scales <slug>-runner', () => {
    expect(kubectlScaleCommand('Prod EU', 3)).toBe('kubectl scale deployment prod-eu-runner --replicas=3 -n paddock');
    expect(kubectlScaleCommand('Prod EU', 'N', 'ci runners')).toBe("kubectl scale deployment prod-eu-runner --replicas=N -n 'ci runners'");
  });
});

describe('CloudFormation', () => {
  const ctx = {
    groupName: 'Prod EU',
    serverUrl: 'https://paddock.example.com',
    runnerVersion: '1.4.0',
    runnerImage: 'ghcr.io/paddock/runner:1.4.0',
    templateUrl: 'https://paddock.example.com/deploy/cloudformation/runner.yaml',
  };
  const valid = { ...emptyCfnForm(), keyPair: 'ops', sshCidr: '203.0.113.0/24' };

  it.each([
    ['203.0.113.0/24', null],
    ['0.0.0.0/0', null],
    ['10.0.0.1/32', null],
    ['10.0.0.1/24', 'host bits must be zero (did you mean 10.0.0.0/24?)'],
    ['10.0.0.0/33', 'must be an IPv4 CIDR block such as 203.0.113.0/24'],
    ['256.0.0.0/8', 'must be an IPv4 CIDR block such as 203.0.113.0/24'],
    ['010.0.0.0/8', 'must be an IPv4 CIDR block such as 203.0.113.0/24'],
    ['10.0.0.0', 'must be an IPv4 CIDR block such as 203.0.113.0/24'],
  ])('CIDR %s', (cidr, error) => {
    expect(cidrError(cidr)).toBe(error);
  });

  it.each([
    ['a valid form', {}, {}],
    ['defaults with no key pair or CIDR', { keyPair: '', sshCidr: '' }, { keyPair: expect.any(String), sshCidr: expect.any(String) }],
    ['a small disk', { diskSize: '4' }, { diskSize: 'must be a whole number of GiB from 8 to 16384' }],
    ['a fractional disk', { diskSize: '40.5' }, { diskSize: 'must be a whole number of GiB from 8 to 16384' }],
    ['an unknown instance type', { instanceType: 'x1.mega' }, { instanceType: 'must be one of the listed instance types' }],
    ['a VPC without subnet', { vpcId: 'vpc-0abc1234' }, { subnetId: 'is required when a VPC is given (give both or neither)' }],
    ['a subnet without VPC', { subnetId: 'subnet-0abc1234' }, { vpcId: 'is required when a subnet is given (give both or neither)' }],
    ['both VPC and subnet', { vpcId: 'vpc-0abc1234', subnetId: 'subnet-0abc1234def567890' }, {}],
    ['a bad VPC id', { vpcId: 'vpc-xyz', subnetId: 'subnet-0abc1234' }, { vpcId: expect.stringContaining('must be a VPC id') }],
    ['a Vault URL without token', { vaultUrl: 'https://vault.example.com' }, { vaultRootToken: expect.stringContaining('both or neither') }],
    ['a Vault token without URL', { vaultRootToken: 'hvs.x' }, { vaultUrl: expect.stringContaining('both or neither') }],
    ['a bad Vault URL', { vaultUrl: 'vault', vaultRootToken: 'hvs.x' }, { vaultUrl: expect.stringContaining('http(s) URL') }],
    ['a bad region', { region: 'mars' }, { region: 'must be an AWS region such as us-east-1' }],
    ['a bad CIDR', { sshCidr: '1.2.3.4/8' }, { sshCidr: expect.stringContaining('host bits') }],
  ])('validates %s', (_label, change, errors) => {
    expect(validateCfnForm({ ...valid, ...change })).toEqual(errors);
  });

  it('builds a Launch stack link with every non-secret parameter and never the key', () => {
    const form = { ...valid, vpcId: 'vpc-0abc1234', subnetId: 'subnet-0abc1234', vaultUrl: 'https://vault.example.com', vaultRootToken: 'hvs.secret' };
    const url = new URL(launchStackUrl(form, ctx));
    expect(url.origin + url.pathname).toBe('https://console.aws.amazon.com/cloudformation/home');
    expect(url.searchParams.get('region')).toBe('us-east-1');
    const [route, query] = url.hash.slice(1).split('?');
    expect(route).toBe('/stacks/create/review');
    const params = new URLSearchParams(query);
    expect(params.get('templateURL')).toBe(ctx.templateUrl);
    expect(params.get('stackName')).toBe('paddock-runner-prod-eu');
    expect(Object.fromEntries([...params].filter(([k]) => k.startsWith('param_')))).toEqual({
      param_ServerURL: 'https://paddock.example.com',
      param_DiskSize: '40',
      param_InstanceEc2KeyPair: 'ops',
      param_InstanceSshAccessCidrBlock: '203.0.113.0/24',
      param_InstanceType: 't3.medium',
      param_LatestAmiId: '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64',
      param_RunnerVersion: '1.4.0',
      param_RunnerImage: 'ghcr.io/paddock/runner',
      param_VpcId: 'vpc-0abc1234',
      param_SubnetId: 'subnet-0abc1234',
      param_OnPremVaultUrl: 'https://vault.example.com',
    });
    expect(url.toString()).not.toContain('prk_');
    expect(url.toString()).not.toContain('hvs.secret');
  });

  it('builds create-stack with the key, and optional parameters only when given', () => {
    const cmd = createStackCommand(valid, ctx, key);
    const words = argv(cmd);
    expect(words.slice(0, 3)).toEqual(['aws', 'cloudformation', 'create-stack']);
    const params = JSON.parse(words[words.indexOf('--parameters') + 1]!) as { ParameterKey: string; ParameterValue: string }[];
    expect(Object.fromEntries(params.map((p) => [p.ParameterKey, p.ParameterValue]))).toEqual({
      ServerURL: 'https://paddock.example.com',
      DiskSize: '40',
      InstanceEc2KeyPair: 'ops',
      InstanceSshAccessCidrBlock: '203.0.113.0/24',
      InstanceType: 't3.medium',
      LatestAmiId: '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64',
      RunnerApiKey: key,
      RunnerVersion: '1.4.0',
      RunnerImage: 'ghcr.io/paddock/runner',
    });
    expect(words[words.indexOf('--capabilities') + 1]).toBe('CAPABILITY_IAM');
    expect(words[words.indexOf('--stack-name') + 1]).toBe('paddock-runner-prod-eu');
    expect(words[words.indexOf('--template-url') + 1]).toBe(ctx.templateUrl);
  });

  it('keeps hostile values intact through the shell', () => {
    const form = { ...valid, keyPair: "o'neil key", vaultUrl: 'https://v.example.com/a,b', vaultRootToken: "t'$(id)" };
    const words = argv(createStackCommand(form, ctx, key));
    const params = JSON.parse(words[words.indexOf('--parameters') + 1]!) as { ParameterKey: string; ParameterValue: string }[];
    expect(params.find((p) => p.ParameterKey === 'InstanceEc2KeyPair')?.ParameterValue).toBe("o'neil key");
    expect(params.find((p) => p.ParameterKey === 'OnPremVaultRootToken')?.ParameterValue).toBe("t'$(id)");
    expect(cfnParameters(form, ctx, key).filter((p) => p.secret).map((p) => p.key)).toEqual(['RunnerApiKey', 'OnPremVaultRootToken']);
  });

  it('builds ssh -i from the stack outputs', () => {
    const cmd = sshCommand('ops', { Ec2InstanceUser: 'ec2-user', Ec2InstancePublicDnsName: 'ec2-1-2-3-4.compute-1.amazonaws.com' });
    expect(cmd).toBe('ssh -i ~/.ssh/ops.pem ec2-user@ec2-1-2-3-4.compute-1.amazonaws.com');
    expect(argv(sshCommand("my key", { Ec2InstanceUser: 'ec2-user', Ec2InstancePublicDnsName: 'h' }))[2]).toMatch(/\/\.ssh\/my key\.pem$/);
  });
});

describe('templateCommand', () => {
  const settings = {
    serverUrl: base.serverUrl,
    runnerVersion: base.runnerVersion,
    runnerImage: base.runnerImage,
    helmChart: base.chart,
    cfnTemplateUrl: 'https://paddock-templates.s3.amazonaws.com/runner.yaml',
  };
  /** Fills a template's blanks as a user would for the group "Prod EU". */
  const fill = (template: string) =>
    template.replaceAll('<registration-key>', key).replaceAll('<slug>', 'prod-eu').replaceAll('<key-pair>', 'ops').replaceAll('<ssh-cidr>', '203.0.113.0/24');

  it.each(['helm', 'docker', 'cloudformation'] as const)('%s: blanks for the key and the group, and no key', (platform) => {
    const template = templateCommand(platform, settings);
    expect(template).toContain('<registration-key>');
    expect(template).toContain('<slug>');
    expect(template).not.toMatch(/prk_|PADDOCK\w*BLANK|paddock\w*blank/i);
    expect(template).toContain(settings.serverUrl);
  });

  it('filled in, is the command the console shows for that group', () => {
    expect(fill(templateCommand('helm', settings))).toBe(helmCommand(base));
    expect(fill(templateCommand('docker', settings))).toBe(dockerCommand(base));
    const ctx = { groupName: base.groupName, serverUrl: base.serverUrl, runnerVersion: base.runnerVersion, runnerImage: base.runnerImage, templateUrl: settings.cfnTemplateUrl };
    const form = { ...emptyCfnForm(), keyPair: 'ops', sshCidr: '203.0.113.0/24' };
    expect(fill(templateCommand('cloudformation', settings))).toBe(createStackCommand(form, ctx, key));
  });
});
