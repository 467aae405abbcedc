import { type ComponentProps, useId, useState } from 'react';
import { Button } from '../../../components/ui/button';
import { Input, NativeSelect } from '../../../components/ui/input';
import {
  type CfnField,
  type CfnForm,
  createStackCommand,
  defaultLatestAmiId,
  describeStackCommand,
  emptyCfnForm,
  instanceTypes,
  launchStackUrl,
  sshCommand,
  stackName,
  validateCfnForm,
} from '../../../../contract';
import { CodeBlock, KeyWarning } from './code-block';
import { Field } from '../../../components/ui/field';
import type { TabProps } from './tab-props';
import styles from './install-view.module.css';

// Plain English first, the template's parameter name as the hint (PRODUCT.md §3 round 2 "CloudFormation form").
const fieldLabels: Record<CfnField, string> = {
  region: 'AWS region',
  diskSize: 'Disk size (GiB)',
  keyPair: 'SSH key pair',
  sshCidr: 'Who may connect over SSH (CIDR block)',
  instanceType: 'Instance type',
  vpcId: 'VPC',
  subnetId: 'Subnet',
  vaultUrl: 'Vault address',
  vaultRootToken: 'Vault root token',
};
const parameterNames: Record<CfnField, string> = {
  region: 'the stack\'s region',
  diskSize: 'DiskSize',
  keyPair: 'InstanceEc2KeyPair',
  sshCidr: 'InstanceSshAccessCidrBlock',
  instanceType: 'InstanceType',
  vpcId: 'VpcId',
  subnetId: 'SubnetId',
  vaultUrl: 'OnPremVaultUrl',
  vaultRootToken: 'OnPremVaultRootToken',
};

/** AWS regions with EC2, for the Region list. */
const regions = [
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
  'ca-central-1',
  'sa-east-1',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'eu-central-1',
  'eu-central-2',
  'eu-north-1',
  'eu-south-1',
  'ap-south-1',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-northeast-3',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-east-1',
  'me-south-1',
  'af-south-1',
] as const;

/**
 * Like the registration key, the Vault root token is never typed into Paddock: it goes into the AWS
 * form (or replaces this blank in the CLI command).
 */
const vaultTokenBlank = '<vault-root-token>';

/** CloudFormation: a form for the template's parameters, a Launch stack link and `aws cloudformation create-stack`. */
export function CloudFormationTab({ group, registrationKey, onCopied, template }: TabProps) {
  const [form, setForm] = useState<CfnForm>(emptyCfnForm);
  const [touched, setTouched] = useState<Partial<Record<CfnField, boolean>>>({});
  const [dnsName, setDnsName] = useState('');
  const reasonsId = `${useId()}-reasons`;
  // The token is pasted in AWS, never here: with a Vault address, its place holds the blank.
  const filled: CfnForm = { ...form, vaultRootToken: form.vaultUrl.trim() ? vaultTokenBlank : '' };
  const errors = validateCfnForm(filled);
  const invalid = Object.keys(errors) as CfnField[];
  const ctx = {
    groupName: group.name,
    serverUrl: template.serverUrl,
    runnerVersion: template.runnerVersion,
    runnerImage: template.runnerImage,
    templateUrl: template.cfnTemplateUrl,
  };

  const input = (field: CfnField, extra: ComponentProps<'input'> = {}) => {
    const shownError = touched[field] ? (errors[field] ?? null) : null;
    return (
      <Field label={fieldLabels[field]} description={`Parameter ${parameterNames[field]}`} error={shownError && `${fieldLabels[field]} ${shownError}`}>
        <Input
          value={form[field]}
          onChange={(e) => {
            const value = e.target.value;
            setForm((f) => ({ ...f, [field]: value }));
          }}
          onBlur={() => setTouched((t) => ({ ...t, [field]: true }))}
          spellCheck={false}
          autoComplete="off"
          {...extra}
        />
      </Field>
    );
  };

  return (
    <div className={styles.tab}>
      <p className={styles.lead}>
        Creates an EC2 instance (and, unless you give a VPC and subnet, a VPC with a public subnet) that installs Docker and starts
        the runner. The instance dials <code>{template.serverUrl}</code> over outbound{' '}
        {template.serverUrl.startsWith('http:') ? 'HTTP' : 'HTTPS'}.
      </p>
      <form
        className={styles.cfnForm}
        aria-label="CloudFormation parameters"
        onSubmit={(e) => {
          e.preventDefault();
          setTouched(Object.fromEntries(Object.keys(form).map((k) => [k, true])));
        }}
      >
        <fieldset className={styles.grid}>
          <legend>Stack</legend>
          <Field label="Server URL (ServerURL)">
            <Input value={template.serverUrl} readOnly />
          </Field>
          <Field label="Stack name">
            <Input value={stackName(group.name)} readOnly />
          </Field>
          <Field label={fieldLabels.region} description="Where the stack and its instance are created">
            <NativeSelect
              value={form.region}
              onChange={(e) => {
                const value = e.target.value;
                setForm((f) => ({ ...f, region: value }));
              }}
            >
              {regions.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </NativeSelect>
          </Field>
          <Field label="Runner version (RunnerVersion)">
            <Input value={template.runnerVersion} readOnly />
          </Field>
        </fieldset>
        <fieldset className={styles.grid}>
          <legend>Instance</legend>
          <Field
            label={fieldLabels.instanceType}
            description="Parameter InstanceType"
            error={touched.instanceType && errors.instanceType ? `${fieldLabels.instanceType} ${errors.instanceType}` : null}
          >
            <NativeSelect
              value={form.instanceType}
              onChange={(e) => {
                const value = e.target.value;
                setForm((f) => ({ ...f, instanceType: value }));
              }}
            >
              {instanceTypes.map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </NativeSelect>
          </Field>
          {input('diskSize', { inputMode: 'numeric' })}
          {input('keyPair', { placeholder: 'my-key-pair' })}
          {input('sshCidr', { placeholder: '203.0.113.0/24' })}
          <Field label="Latest AMI SSM path (LatestAmiId)">
            <Input value={defaultLatestAmiId} readOnly />
          </Field>
        </fieldset>
        <fieldset className={styles.grid}>
          <legend>Network: give both or neither (neither creates a VPC with a public subnet)</legend>
          {input('vpcId', { placeholder: 'vpc-0abc1234def567890' })}
          {input('subnetId', { placeholder: 'subnet-0abc1234def567890' })}
        </fieldset>
        <fieldset className={styles.grid}>
          <legend>On-premises Vault (optional)</legend>
          {input('vaultUrl', { placeholder: 'https://vault.example.com:8200' })}
          <p className={styles.hint}>
            The Vault root token is never typed into Paddock. With a Vault address, paste the token into the AWS form's{' '}
            <code>OnPremVaultRootToken</code> field after Launch stack, or put it in place of <code>{vaultTokenBlank}</code> in
            the CLI command.
          </p>
        </fieldset>
        {invalid.length > 0 ? (
          <p className={styles.fixFirst} id={reasonsId}>
              Launch stack and the command need:{' '}
              {invalid.map((f, i) => (
                <span key={f}>
                  {i > 0 ? '; ' : ''}
                  {fieldLabels[f]}: {errors[f]}
                </span>
              ))}
              .
          </p>
        ) : null}
      </form>

      {/* The key and its warning are here from the start: only the link and the command wait for the form. */}
      <section className={styles.launch} aria-label="Launch stack">
        {invalid.length === 0 ? (
          <a className={styles.launchLink} href={launchStackUrl(filled, ctx)} target="_blank" rel="noopener noreferrer">
            Launch stack
          </a>
        ) : (
          // Visible from the start, with the reasons it cannot be used yet.
          <Button disabled aria-describedby={reasonsId}>
            Launch stack
          </Button>
        )}
        <div className={styles.launchKey}>
          <p className={styles.launchText}>
            {/* The parameter's name is written once, as the key's own label below: one "RunnerApiKey" on the page. */}
            The Launch stack link does not carry the key: copy it from below into the AWS form's parameter of the same name
            {form.vaultUrl.trim() ? (
              <>
                , and your Vault token into <code>OnPremVaultRootToken</code>
              </>
            ) : null}
            .
          </p>
          <KeyWarning />
          <CodeBlock label="RunnerApiKey" text={registrationKey} onCopied={onCopied} />
        </div>
      </section>
      {invalid.length === 0 ? (
        <>
          <p className={styles.hint}>Or create the stack from a shell with the AWS CLI:</p>
          <CodeBlock label="aws cloudformation create-stack command" text={createStackCommand(filled, ctx, registrationKey)} onCopied={onCopied} />
          <h4 className={styles.subheading}>Once the stack is created</h4>
          <p className={styles.hint}>
            Read its outputs <code>Ec2InstanceUser</code> and <code>Ec2InstancePublicDnsName</code>:
          </p>
          <CodeBlock label="describe-stacks command" text={describeStackCommand(form, group.name)} />
          <Field label="Ec2InstancePublicDnsName (from the outputs, optional)">
            <Input value={dnsName} onChange={(e) => setDnsName(e.target.value.trim())} spellCheck={false} />
          </Field>
          <CodeBlock
            label="SSH command"
            text={sshCommand(form.keyPair, { Ec2InstanceUser: 'ec2-user', Ec2InstancePublicDnsName: dnsName || '<Ec2InstancePublicDnsName>' })}
          />
        </>
      ) : null}
    </div>
  );
}
