import { useState } from 'react';
import { Checkbox } from '../../../components/ui/checkbox';
import { Input, NativeSelect } from '../../../components/ui/input';
import {
  defaultRemoteKey,
  defaultRunnerNamespace,
  type ExternalSecretOptions,
  externalSecretManifest,
  groupSlug,
  helmCommand,
  kubectlScaleCommand,
  namespaceError,
  type ResourceLimitName,
  type ResourceLimits,
  replicaCountError,
  resourceLimitDefaults,
  resourceLimitNames,
  runnerSecretName,
  validateLimits,
} from '../../../../contract';
import { CodeBlock, KeyWarning } from './code-block';
import { Field } from '../../../components/ui/field';
import type { TabProps } from './tab-props';
import styles from './install-view.module.css';

const limitHelp: Record<'plugin' | 'core', string> = {
  plugin: 'Plugin containers (the work the runner starts)',
  core: 'Core and http containers (the runner itself)',
};

/** Helm: `helm upgrade --install` with the key, resource limits, or an existing secret. */
export function HelmTab({ group, registrationKey, onCopied, template }: TabProps) {
  const [namespace, setNamespace] = useState(defaultRunnerNamespace);
  const [replicas, setReplicas] = useState('1');
  const [limits, setLimits] = useState<ResourceLimits>({});
  const [useSecret, setUseSecret] = useState(false);
  const [store, setStore] = useState<Pick<ExternalSecretOptions, 'secretStoreName' | 'secretStoreKind' | 'remoteKey'>>({
    secretStoreName: 'vault-backend',
    secretStoreKind: 'ClusterSecretStore',
    remoteKey: defaultRemoteKey(group.name),
  });

  const nsError = namespaceError(namespace.trim());
  const replicasError = /^\d+$/.test(replicas.trim()) ? replicaCountError(Number(replicas)) : 'must be a whole number from 1 to 100';
  const limitErrors = validateLimits(limits);
  const storeError = store.secretStoreName.trim() === '' ? 'is required' : null;
  const remoteKeyError = store.remoteKey.trim() === '' ? 'is required' : null;
  const valid = !nsError && !replicasError && Object.keys(limitErrors).length === 0 && (!useSecret || (!storeError && !remoteKeyError));

  const options = {
    groupName: group.name,
    chart: template.helmChart,
    serverUrl: template.serverUrl,
    registrationKey,
    runnerImage: template.runnerImage,
    runnerVersion: template.runnerVersion,
    namespace: namespace.trim(),
    replicaCount: Number(replicas),
    limits,
  };
  const slug = groupSlug(group.name);

  return (
    <div className={styles.tab}>
      <p className={styles.lead}>
        Installs the <code>paddock-runner</code> chart as release <code>{slug}</code>: a Deployment <code>{slug}-runner</code>{' '}
        whose pods dial <code>{template.serverUrl}</code> over outbound {template.serverUrl.startsWith('http:') ? 'HTTP' : 'HTTPS'}.
      </p>
      <div className={styles.fieldRow}>
        <Field label="Namespace" error={nsError && `Namespace ${nsError}`}>
          <Input
            value={namespace}
            onChange={(e) => setNamespace(e.target.value)}
            spellCheck={false}
          />
        </Field>
        <Field label="Replicas" error={replicasError && `Replicas ${replicasError}`}>
          <Input
            inputMode="numeric"
            value={replicas}
            onChange={(e) => setReplicas(e.target.value)}
            className={styles.narrow}
          />
        </Field>
      </div>

      <details className={styles.details}>
        <summary>Advanced: resource limits</summary>
        <p className={styles.hint}>
          Kubernetes quantities such as <code>500m</code>, <code>2</code>, <code>512Mi</code> or <code>4Gi</code>. Empty keeps the
          chart's default (shown greyed).
        </p>
        {(['plugin', 'core'] as const).map((kind) => (
          <fieldset key={kind} className={styles.limits}>
            <legend>{limitHelp[kind]}</legend>
            {resourceLimitNames
              .filter((n) => n.startsWith('extra_') === (kind === 'core'))
              .map((name) => (
                <LimitField
                  key={name}
                  name={name}
                  value={limits[name] ?? ''}
                  error={limitErrors[name] ?? null}
                  onChange={(value) => setLimits((l) => ({ ...l, [name]: value }))}
                />
              ))}
          </fieldset>
        ))}
      </details>

      <Field label="Use an existing secret" orientation="horizontal">
        <Checkbox checked={useSecret} onCheckedChange={(c) => setUseSecret(c === true)} />
      </Field>

      {useSecret ? (
        <>
          <p className={styles.hint}>
            The chart reads the key from the Kubernetes secret <code>{runnerSecretName(group.name)}</code> (key{' '}
            <code>appKey</code>), created by the External Secrets Operator from your secret manager. The key never appears on
            the command line.
          </p>
          <div className={styles.fieldRow}>
            <Field label="Secret store" error={storeError && `Secret store ${storeError}`}>
              <Input
                value={store.secretStoreName}
                onChange={(e) => setStore((s) => ({ ...s, secretStoreName: e.target.value }))}
                spellCheck={false}
              />
            </Field>
            <Field label="Store kind">
              <NativeSelect
                value={store.secretStoreKind}
                onChange={(e) => setStore((s) => ({ ...s, secretStoreKind: e.target.value as ExternalSecretOptions['secretStoreKind'] }))}
              >
                <option value="ClusterSecretStore">ClusterSecretStore</option>
                <option value="SecretStore">SecretStore</option>
              </NativeSelect>
            </Field>
            <Field label="Key in the secret manager" error={remoteKeyError && `Key in the secret manager ${remoteKeyError}`}>
              <Input
                value={store.remoteKey}
                onChange={(e) => setStore((s) => ({ ...s, remoteKey: e.target.value }))}
                spellCheck={false}
              />
            </Field>
          </div>
          <ol className={styles.steps}>
            <li>
              <p>
                Store the registration key in your secret manager under <code>{store.remoteKey.trim() || '…'}</code>:
              </p>
              <KeyWarning />
              <CodeBlock label="Registration key" text={registrationKey} onCopied={onCopied} />
            </li>
            <li>
              <p>Apply the ExternalSecret:</p>
              {valid ? (
                <CodeBlock
                  label="ExternalSecret manifest"
                  text={externalSecretManifest({ groupName: group.name, namespace: namespace.trim(), ...store })}
                />
              ) : (
                <FixFirst />
              )}
            </li>
            <li>
              <p>Install the chart:</p>
              {valid ? <CodeBlock label="Helm command" text={helmCommand({ ...options, existingSecret: true })} /> : <FixFirst />}
            </li>
          </ol>
        </>
      ) : (
        <>
          <KeyWarning />
          {valid ? <CodeBlock label="Helm command" text={helmCommand(options)} onCopied={onCopied} /> : <FixFirst />}
        </>
      )}
      <p className={styles.hint}>
        To add instances later: <code>{kubectlScaleCommand(group.name, 'N', namespace.trim() || defaultRunnerNamespace)}</code>
      </p>
    </div>
  );
}

function FixFirst() {
  return <p className={styles.fixFirst}>Fix the fields marked above to see the command.</p>;
}

function LimitField({ name, value, error, onChange }: { name: ResourceLimitName; value: string; error: string | null; onChange: (v: string) => void }) {
  return (
    <Field label={name} error={error && `${name} ${error}`} labelClassName={styles.monoLabel}>
      <Input
        value={value}
        placeholder={resourceLimitDefaults[name]}
        onChange={(e) => onChange(e.target.value)}
        spellCheck={false}
        className={styles.narrow}
      />
    </Field>
  );
}
