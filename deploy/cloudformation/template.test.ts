// biome-ignore-all lint/suspicious/noTemplateCurlyInString: CloudFormation's ${Name} substitutions are checked as literal text
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateFile } from 'cfn-lint';
import { describe, expect, it } from 'vitest';
import { type CollectionTag, parse, type ScalarTag, type YAMLMap, type YAMLSeq } from 'yaml';
import {
  type CfnForm,
  cfnParameters,
  defaultDiskSize,
  defaultLatestAmiId,
  emptyCfnForm,
  instanceTypes,
  sshCommand,
  validateCfnForm,
} from '../../src/contract';

const templatePath = join(import.meta.dirname, 'runner.yaml');
const source = readFileSync(templatePath, 'utf8');

// CloudFormation's short-form tags, read into their long JSON form.
const fnNames = ['Base64', 'Cidr', 'FindInMap', 'GetAZs', 'ImportValue', 'Join', 'Select', 'Split', 'Sub', 'Transform', 'If', 'Equals', 'Not', 'And', 'Or', 'Contains', 'EachMemberEquals', 'EachMemberIn', 'ValueOf', 'ValueOfAll', 'RefAll'];
const cfnTags: (ScalarTag | CollectionTag)[] = [
  { tag: '!Ref', resolve: (v: string) => ({ Ref: v }) } as ScalarTag,
  { tag: '!Condition', resolve: (v: string) => ({ Condition: v }) } as ScalarTag,
  { tag: '!GetAtt', resolve: (v: string) => ({ 'Fn::GetAtt': v.split('.') }) } as ScalarTag,
  { tag: '!GetAtt', collection: 'seq', resolve: (seq: YAMLSeq) => ({ 'Fn::GetAtt': seq.toJSON() }) } as unknown as CollectionTag,
  ...fnNames.flatMap((name) => [
    { tag: `!${name}`, resolve: (v: string) => ({ [`Fn::${name}`]: v }) } as ScalarTag,
    { tag: `!${name}`, collection: 'seq', resolve: (seq: YAMLSeq) => ({ [`Fn::${name}`]: seq.toJSON() }) } as unknown as CollectionTag,
    { tag: `!${name}`, collection: 'map', resolve: (map: YAMLMap) => ({ [`Fn::${name}`]: map.toJSON() }) } as unknown as CollectionTag,
  ]),
];

type Param = { Type: string; Default?: string | number; AllowedPattern?: string; AllowedValues?: string[]; MinValue?: number; MaxValue?: number; NoEcho?: boolean };
// biome-ignore lint/suspicious/noExplicitAny: the template is walked freely in assertions
type Any = any;
const template = parse(source, { customTags: cfnTags }) as {
  Parameters: Record<string, Param>;
  Rules: Record<string, { RuleCondition?: unknown; Assertions: { Assert: unknown; AssertDescription: string }[] }>;
  Conditions: Record<string, unknown>;
  Resources: Record<string, { Type: string; Condition?: string; Properties: Any; DependsOn?: string }>;
  Outputs: Record<string, { Value: unknown }>;
};

const ctx = {
  groupName: 'Prod EU',
  serverUrl: 'https://paddock.example.com',
  runnerVersion: '1.4.0',
  runnerImage: 'ghcr.io/paddock/runner',
  templateUrl: 'https://paddock.example.com/runner.yaml',
};
const key = `prk_${'Ab1'.repeat(15)}x`;
const fullForm: CfnForm = {
  ...emptyCfnForm(),
  keyPair: 'ops',
  sshCidr: '203.0.113.0/24',
  instanceType: 'm6i.large',
  diskSize: '100',
  vpcId: 'vpc-0abc1234def567890',
  subnetId: 'subnet-0abc1234',
  vaultUrl: 'https://vault.example.com:8200',
  vaultRootToken: 'hvs.token',
};

/** Whether CloudFormation would accept `value` for a parameter, judged by its constraints. */
function accepts(p: Param, value: string): boolean {
  if (p.AllowedPattern && !new RegExp(p.AllowedPattern).test(value)) return false;
  if (p.AllowedValues && !p.AllowedValues.includes(value)) return false;
  if (p.Type === 'Number') {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n)) return false;
    if (p.MinValue !== undefined && n < p.MinValue) return false;
    if (p.MaxValue !== undefined && n > p.MaxValue) return false;
  }
  return true;
}

/** Evaluates a rule's condition or assertion for the given parameter values. */
function evaluate(expr: Any, params: Record<string, string>): unknown {
  if (typeof expr !== 'object' || expr === null) return expr;
  if ('Ref' in expr) return params[expr.Ref] ?? String(template.Parameters[expr.Ref]?.Default ?? '');
  if ('Fn::Equals' in expr) return evaluate(expr['Fn::Equals'][0], params) === evaluate(expr['Fn::Equals'][1], params);
  if ('Fn::Not' in expr) return !evaluate(expr['Fn::Not'][0], params);
  if ('Fn::And' in expr) return expr['Fn::And'].every((e: Any) => evaluate(e, params));
  if ('Fn::Or' in expr) return expr['Fn::Or'].some((e: Any) => evaluate(e, params));
  throw new Error(`rule function ${Object.keys(expr)[0]} not evaluated here`);
}

/** The AssertDescriptions CloudFormation would fail the stack with. */
function ruleFailures(params: Record<string, string>): string[] {
  return Object.values(template.Rules).flatMap((rule) =>
    rule.RuleCondition !== undefined && !evaluate(rule.RuleCondition, params)
      ? []
      : rule.Assertions.filter((a) => !evaluate(a.Assert, params)).map((a) => a.AssertDescription),
  );
}

function paramsOf(form: CfnForm): Record<string, string> {
  return Object.fromEntries(cfnParameters(form, ctx, key).map((p) => [p.key, p.value]));
}

describe('parameters the CloudFormation tab emits', () => {
  it('has exactly the parameters of PRODUCT.md §3', () => {
    expect(Object.keys(template.Parameters).sort()).toEqual(
      ['ServerURL', 'DiskSize', 'InstanceEc2KeyPair', 'InstanceSshAccessCidrBlock', 'InstanceType', 'LatestAmiId', 'RunnerApiKey', 'RunnerVersion', 'RunnerImage', 'SubnetId', 'VpcId', 'OnPremVaultUrl', 'OnPremVaultRootToken'].sort(),
    );
  });

  it.each([
    ['the minimal form', { ...emptyCfnForm(), keyPair: 'ops', sshCidr: '0.0.0.0/0' }],
    ['the full form', fullForm],
  ])('every parameter of %s exists and passes its constraint', (_label, form) => {
    expect(validateCfnForm(form)).toEqual({});
    for (const p of cfnParameters(form, ctx, key)) {
      const declared = template.Parameters[p.key];
      expect(declared, p.key).toBeDefined();
      expect(accepts(declared!, p.value), `${p.key}=${p.value}`).toBe(true);
      expect(Boolean(declared!.NoEcho), `${p.key} NoEcho`).toBe(p.secret);
    }
    expect(ruleFailures(paramsOf(form))).toEqual([]);
  });

  it('uses the same defaults and lists as the form', () => {
    const { DiskSize, InstanceType, LatestAmiId, RunnerApiKey, OnPremVaultRootToken } = template.Parameters;
    expect(DiskSize!.Default).toBe(defaultDiskSize);
    expect(DiskSize!.Type).toBe('Number');
    expect(InstanceType!.AllowedValues).toEqual([...instanceTypes]);
    expect(InstanceType!.Default).toBe(emptyCfnForm().instanceType);
    expect(LatestAmiId!.Default).toBe(defaultLatestAmiId);
    expect(LatestAmiId!.Type).toBe('AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>');
    expect(template.Parameters.InstanceEc2KeyPair!.Type).toBe('AWS::EC2::KeyPair::KeyName');
    expect(RunnerApiKey!.NoEcho).toBe(true);
    expect(OnPremVaultRootToken!.NoEcho).toBe(true);
  });

  it.each([
    ['DiskSize', '7', { diskSize: '7' }],
    ['DiskSize', '20000', { diskSize: '20000' }],
    ['InstanceSshAccessCidrBlock', 'nonsense', { sshCidr: 'nonsense' }],
    ['VpcId', 'vpc-nothex', { vpcId: 'vpc-nothex', subnetId: 'subnet-0abc1234' }],
    ['OnPremVaultUrl', 'vault.local', { vaultUrl: 'vault.local', vaultRootToken: 't' }],
  ])('the form and the template both refuse %s=%s', (param, value, change) => {
    expect(Object.keys(validateCfnForm({ ...fullForm, ...change })).length).toBeGreaterThan(0);
    expect(accepts(template.Parameters[param]!, value)).toBe(false);
  });

  it('accepts a registration key of the real format and refuses others', () => {
    const p = template.Parameters.RunnerApiKey!;
    expect(accepts(p, key)).toBe(true);
    expect(accepts(p, 'prk_short')).toBe(false);
    expect(accepts(p, `xyz_${'a'.repeat(46)}`)).toBe(false);
  });

  it.each([
    ['VPC without subnet', { VpcId: 'vpc-0abc1234', SubnetId: '' }, ['give both VpcId and SubnetId, or neither']],
    ['subnet without VPC', { VpcId: '', SubnetId: 'subnet-0abc1234' }, ['give both VpcId and SubnetId, or neither']],
    ['both', { VpcId: 'vpc-0abc1234', SubnetId: 'subnet-0abc1234' }, []],
    ['neither', { VpcId: '', SubnetId: '' }, []],
    ['Vault URL without token', { OnPremVaultUrl: 'https://v.example.com', OnPremVaultRootToken: '' }, ['give both OnPremVaultUrl and OnPremVaultRootToken, or neither']],
    ['Vault token without URL', { OnPremVaultUrl: '', OnPremVaultRootToken: 't' }, ['give both OnPremVaultUrl and OnPremVaultRootToken, or neither']],
  ])('rules enforce both-or-neither: %s', (_label, params, failures) => {
    expect(ruleFailures(params)).toEqual(failures);
  });
});

describe('resources and outputs', () => {
  const refs = (node: unknown, out: string[] = []): string[] => {
    if (Array.isArray(node)) for (const n of node) refs(n, out);
    else if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        if (k === 'Ref') out.push(v as string);
        else if (k === 'Fn::GetAtt') out.push((v as string[])[0]!);
        else if (k === 'Fn::Sub') {
          const [text, vars] = Array.isArray(v) ? v : [v, {}];
          for (const m of (text as string).matchAll(/\$\{([A-Za-z0-9:]+)(?:\.[A-Za-z]+)?\}/g)) if (!(m[1]! in vars)) out.push(m[1]!);
          refs(vars, out);
        } else refs(v, out);
      }
    }
    return out;
  };

  it('every Ref, GetAtt and ${} names a parameter, resource or pseudo parameter', () => {
    const known = new Set([...Object.keys(template.Parameters), ...Object.keys(template.Resources), 'AWS::Region', 'AWS::StackName', 'AWS::AccountId', 'AWS::Partition']);
    const used = refs([template.Resources, template.Outputs, template.Conditions]);
    expect(used.length).toBeGreaterThan(20);
    for (const name of used) expect(known.has(name), name).toBe(true);
  });

  it('creates a VPC with a public subnet and an internet gateway only when no VPC is given', () => {
    const conditional = Object.entries(template.Resources).filter(([, r]) => r.Condition === 'CreateNetwork');
    expect(conditional.map(([, r]) => r.Type).sort()).toEqual(
      ['AWS::EC2::InternetGateway', 'AWS::EC2::Route', 'AWS::EC2::RouteTable', 'AWS::EC2::Subnet', 'AWS::EC2::SubnetRouteTableAssociation', 'AWS::EC2::VPC', 'AWS::EC2::VPCGatewayAttachment'].sort(),
    );
    expect(template.Conditions.CreateNetwork).toEqual({ 'Fn::Equals': [{ Ref: 'VpcId' }, ''] });
    const route = conditional.find(([, r]) => r.Type === 'AWS::EC2::Route')![1];
    expect(route.Properties).toMatchObject({ DestinationCidrBlock: '0.0.0.0/0', GatewayId: { Ref: 'InternetGateway' } });
    expect(conditional.find(([, r]) => r.Type === 'AWS::EC2::Subnet')![1].Properties.MapPublicIpOnLaunch).toBe(true);
    // Unconditional resources reach conditional ones only through Fn::If on the same condition.
    const instance = template.Resources.RunnerInstance!;
    expect(instance.Properties.NetworkInterfaces[0].SubnetId).toEqual({ 'Fn::If': ['CreateNetwork', { Ref: 'PublicSubnet' }, { Ref: 'SubnetId' }] });
    expect(template.Resources.RunnerSecurityGroup!.Properties.VpcId).toEqual({ 'Fn::If': ['CreateNetwork', { Ref: 'Vpc' }, { Ref: 'VpcId' }] });
  });

  it('opens SSH only to the given CIDR block and sizes the disk from DiskSize', () => {
    expect(template.Resources.RunnerSecurityGroup!.Properties.SecurityGroupIngress).toEqual([
      { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, CidrIp: { Ref: 'InstanceSshAccessCidrBlock' } },
    ]);
    const instance = template.Resources.RunnerInstance!.Properties;
    expect(instance.BlockDeviceMappings[0].Ebs.VolumeSize).toEqual({ Ref: 'DiskSize' });
    expect(instance.KeyName).toEqual({ Ref: 'InstanceEc2KeyPair' });
    expect(instance.ImageId).toEqual({ Ref: 'LatestAmiId' });
  });

  it('installs Docker and starts the runner with the same flags as the Docker command, the key kept out of UserData', () => {
    const [script] = template.Resources.RunnerInstance!.Properties.UserData['Fn::Base64']['Fn::Sub'];
    expect(script).toMatch(/^#!\/bin\/bash/);
    expect(script).toContain('dnf install -y docker');
    expect(script).toContain('systemctl enable --now docker');
    for (const flag of ['docker run -d', '--restart unless-stopped', '-v /var/run/docker.sock:/var/run/docker.sock', '"${RunnerImage}:${RunnerVersion}"']) {
      expect(script).toContain(flag);
    }
    for (const env of ['PADDOCK_SERVER_URL=${ServerURL}', 'PADDOCK_RUNNER_KEY=$(secret', 'PADDOCK_RUNNER_PLATFORM=ec2']) expect(script).toContain(env);
    expect(script).not.toContain('${RunnerApiKey}');
    expect(script).not.toContain('${OnPremVaultRootToken}');
  });

  it('outputs what the console builds the ssh -i command from', () => {
    expect(template.Outputs.Ec2InstanceUser!.Value).toBe('ec2-user');
    expect(template.Outputs.Ec2InstancePublicDnsName!.Value).toEqual({ 'Fn::GetAtt': ['RunnerInstance', 'PublicDnsName'] });
    expect(sshCommand('ops', { Ec2InstanceUser: 'ec2-user', Ec2InstancePublicDnsName: 'h.example.com' })).toBe('ssh -i ~/.ssh/ops.pem ec2-user@h.example.com');
  });
});

describe('cfn-lint (npm)', () => {
  // cfn-lint 1.9 predates template Rules (it reports every rule function as unsupported), so it checks
  // the template without them; the Rules are checked by evaluation above.
  function lint(text: string) {
    const doc = parse(text, { customTags: cfnTags }) as Record<string, unknown>;
    delete doc.Rules;
    const file = join(tmpdir(), `paddock-cfn-${process.pid}-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, JSON.stringify(doc));
    try {
      return validateFile(file);
    } finally {
      rmSync(file, { force: true });
    }
  }

  it('passes with no errors or warnings', () => {
    const result = lint(source);
    expect(result.errors.crit).toEqual([]);
    expect(result.errors.warn).toEqual([]);
    expect(result.templateValid).toBe(true);
  });

  it('catches a broken reference (the linter really looks)', () => {
    const result = lint(source.replace('GroupSet: [!Ref RunnerSecurityGroup]', 'GroupSet: [!Ref NoSuchGroup]'));
    expect(result.templateValid).toBe(false);
  });
});
