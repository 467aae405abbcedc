import type { InstallPlatform, InstallTemplate } from './schemas';
import { defaultRunnerNamespace, groupSlug } from './slug';

// Pure builders for the install commands the console shows and `GET /install/{platform}` answers. Every value that reaches a shell is
// quoted with `shellQuote`; every value that reaches Helm's `--set` parser is escaped for it too.

/** Quotes a value for a POSIX shell; plain words stay bare so commands stay readable. */
export function shellQuote(value: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) return value;
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** Helm's `--set` splits on commas and treats backslashes as escapes. */
function helmSetValue(value: string): string {
  return value.replace(/[\\,]/g, (c) => `\\${c}`);
}

/** Joins command lines with shell continuations. */
function continued(lines: string[]): string {
  return lines.join(' \\\n  ');
}

// ---- Kubernetes quantities ----

/** The six resource limits the Helm command can set, in the order the form shows them. */
export const resourceLimitNames = [
  'limit_cpu',
  'limit_memory',
  'limit_storage',
  'extra_limit_cpu',
  'extra_limit_memory',
  'extra_limit_storage',
] as const;
export type ResourceLimitName = (typeof resourceLimitNames)[number];
export type ResourceLimits = Partial<Record<ResourceLimitName, string>>;

/** The chart's defaults (deploy/helm/paddock-runner/values.yaml), shown as placeholders. */
export const resourceLimitDefaults: Record<ResourceLimitName, string> = {
  limit_cpu: '1',
  limit_memory: '1Gi',
  limit_storage: '2Gi',
  extra_limit_cpu: '500m',
  extra_limit_memory: '512Mi',
  extra_limit_storage: '1Gi',
};

// Kubernetes' quantity grammar without a sign: a number, then a binary-SI, decimal-SI or exponent suffix.
const quantityPattern = /^(?:\d+(?:\.\d*)?|\.\d+)(?:Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;

/** Validates one resource limit; returns an error message or null. Empty means "chart default". */
export function validateQuantity(name: ResourceLimitName, value: string): string | null {
  const v = value.trim();
  if (v === '') return null;
  if (!quantityPattern.test(v)) {
    return name.endsWith('cpu')
      ? 'must be a Kubernetes quantity such as 500m or 2'
      : 'must be a Kubernetes quantity such as 512Mi or 2Gi';
  }
  if (!/[1-9]/.test(v.replace(/[eE][+-]?\d+$/, ''))) return 'must be greater than zero';
  if (!name.endsWith('cpu') && /\dm$/.test(v)) return 'm means thousandths of a byte here: use Mi or Gi';
  return null;
}

/** Validates all limits; returns the errors by name (empty object when all are valid). */
export function validateLimits(limits: ResourceLimits): Partial<Record<ResourceLimitName, string>> {
  const errors: Partial<Record<ResourceLimitName, string>> = {};
  for (const name of resourceLimitNames) {
    const error = validateQuantity(name, limits[name] ?? '');
    if (error) errors[name] = error;
  }
  return errors;
}

// ---- Helm ----

export type HelmOptions = {
  groupName: string;
  chart: string;
  serverUrl: string;
  registrationKey: string;
  runnerImage: string;
  runnerVersion: string;
  namespace?: string;
  replicaCount?: number;
  limits?: ResourceLimits;
  /** Reference `<slug>-runner-secret` instead of putting the key on the command line. */
  existingSecret?: boolean;
};

/** Splits `repo/name:tag` into repository and tag (a port in the registry host is not a tag). */
export function splitImage(image: string): { repository: string; tag: string | null } {
  const at = image.indexOf('@');
  if (at !== -1) return { repository: image.slice(0, at), tag: null };
  const colon = image.lastIndexOf(':');
  if (colon > image.lastIndexOf('/')) return { repository: image.slice(0, colon), tag: image.slice(colon + 1) };
  return { repository: image, tag: null };
}

/** The image reference a runner of `version` runs: the configured image with the version as tag. */
export function runnerImageRef(runnerImage: string, runnerVersion: string): string {
  const { repository, tag } = splitImage(runnerImage);
  if (runnerImage.includes('@')) return runnerImage;
  return `${repository}:${tag ?? runnerVersion}`;
}

export function namespaceError(namespace: string): string | null {
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(namespace) || namespace.length > 63) {
    return 'must be lowercase letters, digits and "-", starting and ending with a letter or digit (at most 63)';
  }
  return null;
}

export function replicaCountError(replicas: number): string | null {
  return Number.isInteger(replicas) && replicas >= 1 && replicas <= 100 ? null : 'must be a whole number from 1 to 100';
}

/** Name of the Kubernetes secret the existing-secret variant expects. */
export function runnerSecretName(groupName: string): string {
  return `${groupSlug(groupName)}-runner-secret`;
}

/** `helm upgrade --install …` for a group; limits left empty fall back to the chart's defaults. */
export function helmCommand(o: HelmOptions): string {
  const slug = groupSlug(o.groupName);
  const namespace = o.namespace ?? defaultRunnerNamespace;
  const { repository, tag } = splitImage(runnerImageRef(o.runnerImage, o.runnerVersion));
  const set = (key: string, value: string) => `--set ${key}=${shellQuote(helmSetValue(value))}`;
  const lines = [
    `helm upgrade --install ${shellQuote(slug)} ${shellQuote(o.chart)}`,
    `--namespace ${shellQuote(namespace)} --create-namespace`,
    o.existingSecret ? set('existingSecret', runnerSecretName(o.groupName)) : set('appKey', o.registrationKey),
    set('serverUrl', o.serverUrl),
    `--set replicaCount=${o.replicaCount ?? 1}`,
    set('image.repository', repository),
  ];
  if (tag) lines.push(set('image.tag', tag));
  for (const name of resourceLimitNames) {
    const value = o.limits?.[name]?.trim();
    // Validated quantities hold only [0-9.a-zA-Z+-], so double quotes are safe here.
    if (value) lines.push(`--set config.container.${name}="${value}"`);
  }
  return continued(lines);
}

export type ExternalSecretOptions = {
  groupName: string;
  namespace?: string;
  secretStoreName: string;
  secretStoreKind: 'ClusterSecretStore' | 'SecretStore';
  remoteKey: string;
};

/** Path in the user's secret manager suggested for the key. */
export function defaultRemoteKey(groupName: string): string {
  return `paddock/${groupSlug(groupName)}/registration-key`;
}

/** ExternalSecret (external-secrets.io) that materialises `<slug>-runner-secret` with the key as `appKey`. */
export function externalSecretManifest(o: ExternalSecretOptions): string {
  const name = runnerSecretName(o.groupName);
  return [
    'apiVersion: external-secrets.io/v1beta1',
    'kind: ExternalSecret',
    'metadata:',
    `  name: ${name}`,
    `  namespace: ${yamlString(o.namespace ?? defaultRunnerNamespace)}`,
    'spec:',
    '  refreshInterval: 1h',
    '  secretStoreRef:',
    `    kind: ${o.secretStoreKind}`,
    `    name: ${yamlString(o.secretStoreName)}`,
    '  target:',
    `    name: ${name}`,
    '    creationPolicy: Owner',
    '  data:',
    '    - secretKey: appKey',
    '      remoteRef:',
    `        key: ${yamlString(o.remoteKey)}`,
    '',
  ].join('\n');
}

/** A YAML scalar that always reads back as the same string. */
function yamlString(value: string): string {
  return /^[A-Za-z0-9][A-Za-z0-9_./-]*$/.test(value) && !/^(true|false|yes|no|on|off|null|~|[\d.]+)$/i.test(value)
    ? value
    : JSON.stringify(value);
}

/** Scales the group's Deployment: how to add Kubernetes instances (`'N'` where the reader picks the number). */
export function kubectlScaleCommand(groupName: string, replicas: number | 'N', namespace = defaultRunnerNamespace): string {
  return `kubectl scale deployment ${groupSlug(groupName)}-runner --replicas=${replicas} -n ${shellQuote(namespace)}`;
}

// ---- Docker ----

export type DockerOptions = {
  groupName: string;
  serverUrl: string;
  registrationKey: string;
  runnerImage: string;
  runnerVersion: string;
};

/** The environment variables the Docker command sets (and deploy/docker/Dockerfile declares). */
export const dockerEnvNames = ['PADDOCK_SERVER_URL', 'PADDOCK_RUNNER_KEY'] as const;

/**
 * `docker run -d …` with no `--name`, so the same command run again adds another instance. The socket
 * is mounted so the runner can start its replacement on update; `--group-add` gives the image's
 * non-root user the socket's group.
 */
export function dockerCommand(o: DockerOptions): string {
  return continued([
    'docker run -d',
    '--restart unless-stopped',
    '-v /var/run/docker.sock:/var/run/docker.sock',
    `--group-add "$(stat -c '%g' /var/run/docker.sock)"`,
    `-e PADDOCK_SERVER_URL=${shellQuote(o.serverUrl)}`,
    `-e PADDOCK_RUNNER_KEY=${shellQuote(o.registrationKey)}`,
    `--label paddock.runner-group=${shellQuote(groupSlug(o.groupName))}`,
    shellQuote(runnerImageRef(o.runnerImage, o.runnerVersion)),
  ]);
}

// ---- CloudFormation ----

export const instanceTypes = [
  't3.small',
  't3.medium',
  't3.large',
  't3.xlarge',
  'm6i.large',
  'm6i.xlarge',
  'c6i.large',
  'c6i.xlarge',
] as const;
export const defaultInstanceType = 't3.medium';
export const defaultLatestAmiId = '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64';
export const defaultDiskSize = 40;

/** What the user fills in on the CloudFormation tab (strings as typed). */
export type CfnForm = {
  region: string;
  diskSize: string;
  keyPair: string;
  sshCidr: string;
  instanceType: string;
  vpcId: string;
  subnetId: string;
  vaultUrl: string;
  vaultRootToken: string;
};

export type CfnField = keyof CfnForm;

export function emptyCfnForm(): CfnForm {
  return {
    region: 'us-east-1',
    diskSize: String(defaultDiskSize),
    keyPair: '',
    sshCidr: '',
    instanceType: defaultInstanceType,
    vpcId: '',
    subnetId: '',
    vaultUrl: '',
    vaultRootToken: '',
  };
}

/** IPv4 CIDR block such as 203.0.113.0/24, with the host bits zero as AWS requires. */
export function cidrError(value: string): string | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value.trim());
  if (!m) return 'must be an IPv4 CIDR block such as 203.0.113.0/24';
  const octets = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  if (octets.some((o, i) => o > 255 || (m[i + 1]!.length > 1 && m[i + 1]!.startsWith('0'))) || bits > 32) {
    return 'must be an IPv4 CIDR block such as 203.0.113.0/24';
  }
  const address = octets.reduce((a, o) => a * 256 + o, 0);
  const hostSize = 2 ** (32 - bits);
  if (address % hostSize !== 0) return `host bits must be zero (did you mean ${networkOf(address, hostSize)}/${bits}?)`;
  return null;
}

function networkOf(address: number, hostSize: number): string {
  const n = address - (address % hostSize);
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

/** Validates the form; returns errors by field (empty when the form can produce commands). */
export function validateCfnForm(f: CfnForm): Partial<Record<CfnField, string>> {
  const e: Partial<Record<CfnField, string>> = {};
  if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(f.region.trim())) e.region = 'must be an AWS region such as us-east-1';
  const disk = f.diskSize.trim();
  if (!/^\d+$/.test(disk) || Number(disk) < 8 || Number(disk) > 16384) e.diskSize = 'must be a whole number of GiB from 8 to 16384';
  if (f.keyPair.trim() === '') e.keyPair = 'is required: the EC2 key pair you will SSH in with';
  else if (f.keyPair.trim().length > 255) e.keyPair = 'must be at most 255 characters';
  const cidr = cidrError(f.sshCidr);
  if (f.sshCidr.trim() === '') e.sshCidr = 'is required, e.g. your office network such as 203.0.113.0/24';
  else if (cidr) e.sshCidr = cidr;
  if (!(instanceTypes as readonly string[]).includes(f.instanceType)) e.instanceType = 'must be one of the listed instance types';
  const vpc = f.vpcId.trim();
  const subnet = f.subnetId.trim();
  if (vpc !== '' && !/^vpc-[0-9a-f]{8}([0-9a-f]{9})?$/.test(vpc)) e.vpcId = 'must be a VPC id such as vpc-0abc1234def567890';
  if (subnet !== '' && !/^subnet-[0-9a-f]{8}([0-9a-f]{9})?$/.test(subnet)) e.subnetId = 'must be a subnet id such as subnet-0abc1234def567890';
  if (vpc !== '' && subnet === '') e.subnetId ??= 'is required when a VPC is given (give both or neither)';
  if (subnet !== '' && vpc === '') e.vpcId ??= 'is required when a subnet is given (give both or neither)';
  const vaultUrl = f.vaultUrl.trim();
  const token = f.vaultRootToken.trim();
  if (vaultUrl !== '' && !/^https?:\/\/[^\s/]+(\/\S*)?$/.test(vaultUrl)) e.vaultUrl = 'must be an http(s) URL such as https://vault.example.com:8200';
  if (vaultUrl !== '' && token === '') e.vaultRootToken = 'is required when a Vault URL is given (give both or neither)';
  if (token !== '' && vaultUrl === '') e.vaultUrl ??= 'is required when a Vault root token is given (give both or neither)';
  return e;
}

export type CfnContext = {
  groupName: string;
  serverUrl: string;
  runnerVersion: string;
  runnerImage: string;
  templateUrl: string;
};

export function stackName(groupName: string): string {
  return `paddock-runner-${groupSlug(groupName)}`.slice(0, 128).replace(/-+$/, '');
}

/** Parameters in template order; secret ones (RunnerApiKey, OnPremVaultRootToken) are marked. */
export function cfnParameters(f: CfnForm, c: CfnContext, registrationKey: string): { key: string; value: string; secret: boolean }[] {
  const params = [
    { key: 'ServerURL', value: c.serverUrl, secret: false },
    { key: 'DiskSize', value: f.diskSize.trim(), secret: false },
    { key: 'InstanceEc2KeyPair', value: f.keyPair.trim(), secret: false },
    { key: 'InstanceSshAccessCidrBlock', value: f.sshCidr.trim(), secret: false },
    { key: 'InstanceType', value: f.instanceType, secret: false },
    { key: 'LatestAmiId', value: defaultLatestAmiId, secret: false },
    { key: 'RunnerApiKey', value: registrationKey, secret: true },
    { key: 'RunnerVersion', value: c.runnerVersion, secret: false },
    { key: 'RunnerImage', value: splitImage(c.runnerImage).repository, secret: false },
  ];
  if (f.vpcId.trim() !== '') {
    params.push({ key: 'VpcId', value: f.vpcId.trim(), secret: false }, { key: 'SubnetId', value: f.subnetId.trim(), secret: false });
  }
  if (f.vaultUrl.trim() !== '') {
    params.push(
      { key: 'OnPremVaultUrl', value: f.vaultUrl.trim(), secret: false },
      { key: 'OnPremVaultRootToken', value: f.vaultRootToken.trim(), secret: true },
    );
  }
  return params;
}

/**
 * The console's quick-create link. Secrets never go in it: the key and the Vault token would land in
 * browser history and AWS console logs, so the user pastes them into the form AWS shows.
 */
export function launchStackUrl(f: CfnForm, c: CfnContext): string {
  const query = new URLSearchParams({ templateURL: c.templateUrl, stackName: stackName(c.groupName) });
  for (const p of cfnParameters(f, c, '')) if (!p.secret) query.set(`param_${p.key}`, p.value);
  return `https://console.aws.amazon.com/cloudformation/home?region=${encodeURIComponent(f.region.trim())}#/stacks/create/review?${query.toString()}`;
}

/** `aws cloudformation create-stack …` with every parameter, the key included. */
export function createStackCommand(f: CfnForm, c: CfnContext, registrationKey: string): string {
  // JSON parameters rather than the shorthand syntax: values with commas stay intact.
  const params = cfnParameters(f, c, registrationKey).map((p) => JSON.stringify({ ParameterKey: p.key, ParameterValue: p.value }));
  return continued([
    'aws cloudformation create-stack',
    `--region ${shellQuote(f.region.trim())}`,
    `--stack-name ${shellQuote(stackName(c.groupName))}`,
    `--template-url ${shellQuote(c.templateUrl)}`,
    // The template creates an instance role that may read only its own key from Secrets Manager.
    '--capabilities CAPABILITY_IAM',
    `--parameters ${shellQuote(`[\n    ${params.join(',\n    ')}\n  ]`)}`,
  ]);
}

/** Reads the stack's outputs once it is created. */
export function describeStackCommand(f: CfnForm, groupName: string): string {
  return `aws cloudformation describe-stacks --region ${shellQuote(f.region.trim())} --stack-name ${shellQuote(stackName(groupName))} --query 'Stacks[0].Outputs'`;
}

/** `ssh -i` from the stack outputs Ec2InstanceUser and Ec2InstancePublicDnsName. */
export function sshCommand(keyPair: string, outputs: { Ec2InstanceUser: string; Ec2InstancePublicDnsName: string }): string {
  const keyFile = `~/.ssh/${keyPair.trim() || '<key-pair>'}.pem`;
  // The tilde must stay outside quotes for the shell to expand it.
  const quotedKey = /^[A-Za-z0-9_.-]+$/.test(keyPair.trim()) ? keyFile : `~/.ssh/${shellQuote(`${keyPair.trim()}.pem`)}`;
  return `ssh -i ${keyPair.trim() ? quotedKey : keyFile} ${shellQuote(`${outputs.Ec2InstanceUser}@${outputs.Ec2InstancePublicDnsName}`)}`;
}

// ---- Templates (`GET /install/{platform}`) ----

/** Settings every install command is built from. */
export type InstallSettings = Omit<InstallTemplate, 'platform' | 'command'>;

/** The blanks of a template command, in PRODUCT.md's own notation (`kubectl logs <pod>`). */
export const templatePlaceholders = {
  registrationKey: '<registration-key>',
  slug: '<slug>',
  keyPair: '<key-pair>',
  sshCidr: '<ssh-cidr>',
} as const;

// Shell-safe stand-ins, swapped for the placeholders once the builder has quoted everything else.
const keyStandIn = 'PADDOCKREGISTRATIONKEYBLANK';
const slugStandIn = 'paddockslugblank';

/** A platform's install command with blanks for the key and the group, never a real key. */
export function templateCommand(platform: InstallPlatform, s: InstallSettings): string {
  const group = { groupName: slugStandIn, serverUrl: s.serverUrl, runnerVersion: s.runnerVersion, runnerImage: s.runnerImage };
  let command: string;
  if (platform === 'helm') command = helmCommand({ ...group, chart: s.helmChart, registrationKey: keyStandIn });
  else if (platform === 'docker') command = dockerCommand({ ...group, registrationKey: keyStandIn });
  else {
    const form = { ...emptyCfnForm(), keyPair: templatePlaceholders.keyPair, sshCidr: templatePlaceholders.sshCidr };
    command = createStackCommand(form, { ...group, templateUrl: s.cfnTemplateUrl }, keyStandIn);
  }
  return command.replaceAll(keyStandIn, templatePlaceholders.registrationKey).replaceAll(slugStandIn, templatePlaceholders.slug);
}
