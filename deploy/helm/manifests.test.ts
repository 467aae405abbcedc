import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExternalSecret } from '@kubernetes-models/external-secrets/external-secrets.io/v1beta1';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { externalSecretManifest, helmCommand, runnerSecretName, templateCommand } from '../../src/contract';
import { parseReconcileOptions } from '../../src/runner/reconcile/options';
import { releaseErrors, schemaVersions } from './kube-validate';
import { renderChart } from './render';

// Every manifest the chart renders — with its defaults and with each --set the console's Helm command
// can produce — checked as a Kubernetes API server would check it, for each Kubernetes version the
// chart claims (no cluster runs here; see kube-validate.ts).

const chartDir = join(import.meta.dirname, 'paddock-runner');
const key = 'prk_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd123456';
const base = {
  groupName: 'Prod EU',
  chart: 'oci://ghcr.io/paddock/charts/paddock-runner',
  serverUrl: 'https://paddock.example.com',
  registrationKey: key,
  runnerImage: 'ghcr.io/paddock/runner',
  runnerVersion: '1.4.0',
};
const allLimits = { limit_cpu: '2', limit_memory: '4Gi', limit_storage: '20Gi', extra_limit_cpu: '750m', extra_limit_memory: '1Gi', extra_limit_storage: '3Gi' };

function argv(command: string): string[] {
  const out = execFileSync('sh', ['-c', `printf '%s\\0' ${command}`], { encoding: 'utf8', env: { PATH: process.env.PATH } });
  return out.split('\0').slice(0, -1);
}

/** `helm upgrade --install <release> <chart> --namespace <ns> --set …` as helm would receive it. */
function helmArgs(command: string): { release: string; namespace: string; sets: string[] } {
  const words = argv(command);
  const sets = words.flatMap((w, i) => (w === '--set' ? [words[i + 1]!] : []));
  return { release: words[3]!, namespace: words[words.indexOf('--namespace') + 1]!, sets };
}

/** Every install the console can produce, plus the chart's defaults (with the two values it requires). */
const installs: Record<string, { release: string; namespace: string; sets: string[] }> = {
  'chart defaults': { release: 'prod-eu', namespace: 'paddock', sets: ['appKey=prk_x', 'serverUrl=https://paddock.example.com'] },
  'console: inline key': helmArgs(helmCommand(base)),
  'console: every limit, 3 replicas, namespace ci': helmArgs(helmCommand({ ...base, namespace: 'ci', replicaCount: 3, limits: allLimits })),
  'console: existing secret': helmArgs(helmCommand({ ...base, existingSecret: true, replicaCount: 2, limits: allLimits })),
  'console: one limit, image with a digest-less registry port': helmArgs(
    helmCommand({ ...base, groupName: 'x', runnerImage: 'registry.local:5000/paddock/runner:1.5.0', limits: { limit_memory: '2Gi' } }),
  ),
  'console: 100 replicas, a long group name': helmArgs(helmCommand({ ...base, groupName: `${'Team '.repeat(12)}runners`, replicaCount: 100 })),
  'reconciler disabled': { release: 'prod-eu', namespace: 'paddock', sets: ['appKey=prk_x', 'serverUrl=https://paddock.example.com', 'reconciler.enabled=false'] },
};
// The install template (`GET /install/helm`) has blanks, but with them filled it is the same command.
installs['install template, blanks filled'] = helmArgs(
  templateCommand('helm', { serverUrl: base.serverUrl, runnerVersion: '1.4.0', runnerImage: base.runnerImage, helmChart: base.chart, cfnTemplateUrl: '' })
    .replaceAll('<registration-key>', key)
    .replaceAll('<slug>', 'prod-eu'),
);

const existingSecretOf = (sets: string[]) => sets.find((s) => s.startsWith('existingSecret='))?.slice('existingSecret='.length);

describe('the chart claims Kubernetes ≥ 1.19, and that is what is checked', () => {
  it("Chart.yaml's kubeVersion floor is the oldest schema version installed", () => {
    const chart = parseYaml(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')) as { kubeVersion: string };
    expect(chart.kubeVersion).toBe('>=1.19.0-0');
    expect(schemaVersions.map((v) => v.kubernetes)).toEqual(['1.19', '1.22', '1.25', '1.27']);
  });
});

describe.each(Object.entries(installs))('%s', (_name, install) => {
  const { documents } = renderChart(chartDir, install.release, install.namespace, install.sets);

  it('every manifest validates against the schemas of Kubernetes 1.19, 1.22, 1.25 and 1.27, with no unknown field and nothing the API server refuses', () => {
    expect(documents.length).toBeGreaterThanOrEqual(6);
    expect(releaseErrors(documents, { existingSecret: existingSecretOf(install.sets) })).toEqual([]);
  });
});

describe('the reconciler objects', () => {
  const { documents } = renderChart(chartDir, 'prod-eu', 'paddock', installs['console: inline key']!.sets);
  // biome-ignore lint/suspicious/noExplicitAny: manifests are walked freely in assertions
  const named = (kind: string, name: string): any => documents.find((d) => d.kind === kind && (d.metadata as { name: string }).name === name);

  it('Deployment <release>-reconciler: one replica of the runner image, command reconcile, its own ServiceAccount', () => {
    const deployment = named('Deployment', 'prod-eu-reconciler');
    const runner = named('Deployment', 'prod-eu-runner');
    expect(deployment.spec.replicas).toBe(1);
    expect(deployment.spec.strategy.type).toBe('Recreate');
    const pod = deployment.spec.template.spec;
    expect(pod.serviceAccountName).toBe('prod-eu-reconciler');
    const [container] = pod.containers;
    expect(container.image).toBe(runner.spec.template.spec.containers[0].image);
    expect(container.args[0]).toBe('reconcile');
  });

  it('Role: get, list, watch and delete on pods in its namespace, and nothing else; bound to its ServiceAccount', () => {
    const role = named('Role', 'prod-eu-reconciler');
    expect(role.metadata.namespace).toBe('paddock');
    expect(role.rules).toEqual([{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch', 'delete'] }]);
    const binding = named('RoleBinding', 'prod-eu-reconciler');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'prod-eu-reconciler' });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'prod-eu-reconciler', namespace: 'paddock' }]);
  });

  it.each([
    ['inline key', installs['console: inline key']!.sets, 'prod-eu-runner-key'],
    ['existing secret', installs['console: existing secret']!.sets, runnerSecretName(base.groupName)],
  ])("%s: the key is the chart's Secret mounted as a file, the file the reconciler reads", (_n, sets, secret) => {
    const rendered = renderChart(chartDir, 'prod-eu', 'paddock', sets).documents;
    // biome-ignore lint/suspicious/noExplicitAny: manifests are walked freely in assertions
    const deployment: any = rendered.find((d) => d.kind === 'Deployment' && (d.metadata as { name: string }).name === 'prod-eu-reconciler');
    const pod = deployment.spec.template.spec;
    const [container] = pod.containers;
    const env = Object.fromEntries(container.env.map((e: { name: string; value: string }) => [e.name, e.value]));
    const volume = pod.volumes.find((v: { secret?: unknown }) => v.secret);
    expect(volume.secret.secretName).toBe(secret);
    expect(volume.secret.items).toEqual([{ key: 'appKey', path: 'appKey' }]);
    const mount = container.volumeMounts.find((m: { name: string }) => m.name === volume.name);
    expect(mount.readOnly).toBe(true);
    expect(env.PADDOCK_RUNNER_KEY_FILE).toBe(`${mount.mountPath}/appKey`);
    // Mounted whole (no subPath): the kubelet updates the file when the Secret changes.
    expect(mount.subPath).toBeUndefined();
  });

  it("its arguments and environment are what the reconcile mode accepts, selecting the runner Deployment's pods", () => {
    const deployment = named('Deployment', 'prod-eu-reconciler');
    const runner = named('Deployment', 'prod-eu-runner');
    const [container] = deployment.spec.template.spec.containers;
    const dir = mkdtempSync(join(tmpdir(), 'paddock-chart-'));
    try {
      const keyFile = join(dir, 'appKey');
      writeFileSync(keyFile, key);
      const env = Object.fromEntries(container.env.map((e: { name: string; value: string }) => [e.name, e.value]));
      const parsed = parseReconcileOptions(container.args.slice(1), { ...env, PADDOCK_RUNNER_KEY_FILE: keyFile, HOSTNAME: 'prod-eu-reconciler-6d5f7c9b8-x2kqz' });
      expect(parsed.kind).toBe('run');
      const options = parsed.kind === 'run' ? parsed.options : null;
      const [k, v] = Object.entries(runner.spec.selector.matchLabels as Record<string, string>)[0]!;
      expect(options!.selector).toBe(`${k}=${v}`);
      expect(options!.serverUrl).toBe(base.serverUrl);
      // Without --selector the reconciler would derive the same one from its pod's name.
      const derived = parseReconcileOptions([], { ...env, PADDOCK_RUNNER_KEY_FILE: keyFile, HOSTNAME: 'prod-eu-reconciler-6d5f7c9b8-x2kqz' });
      expect(derived.kind === 'run' && derived.options.selector).toBe(`${k}=${v}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reconciler.enabled=false renders none of them', () => {
    const { documents: off } = renderChart(chartDir, 'prod-eu', 'paddock', installs['reconciler disabled']!.sets);
    expect(off.filter((d) => (d.metadata as { name: string }).name.includes('reconciler'))).toEqual([]);
  });
});

describe("the console's ExternalSecret validates against the external-secrets CRD schema (v1beta1)", () => {
  it.each([
    ['ClusterSecretStore, default namespace', { groupName: 'Prod EU', secretStoreName: 'vault', secretStoreKind: 'ClusterSecretStore' as const, remoteKey: 'paddock/prod-eu/registration-key' }],
    ['SecretStore in ci, names that need quoting', { groupName: 'Team 7', namespace: 'ci', secretStoreName: 'true', secretStoreKind: 'SecretStore' as const, remoteKey: 'secret/data/paddock: key #1' }],
  ])('%s', (_n, options) => {
    const manifest = parseYaml(externalSecretManifest(options));
    expect(() => new ExternalSecret(manifest).validate()).not.toThrow();
    expect(manifest.spec.target.name).toBe(runnerSecretName(options.groupName));
    expect(manifest.spec.secretStoreRef).toEqual({ kind: options.secretStoreKind, name: options.secretStoreName });
    expect(manifest.spec.data[0].remoteRef.key).toBe(options.remoteKey);
    // The Secret it makes is the one the chart's existingSecret install reads.
    const sets = helmArgs(helmCommand({ ...base, groupName: options.groupName, existingSecret: true })).sets;
    expect(existingSecretOf(sets)).toBe(manifest.spec.target.name);
  });

  it('and the validator does refuse a broken one', () => {
    const manifest = parseYaml(externalSecretManifest({ groupName: 'Prod EU', secretStoreName: 'vault', secretStoreKind: 'ClusterSecretStore', remoteKey: 'k' }));
    manifest.spec.target.creationPolicy = 'Own';
    expect(() => new ExternalSecret(manifest).validate()).toThrow(/creationPolicy/);
    delete manifest.spec.target.creationPolicy;
    delete manifest.spec.data[0].remoteRef;
    expect(() => new ExternalSecret(manifest).validate()).toThrow(/remoteRef/);
  });
});

// A template mistake that Kubernetes would refuse must fail: each of these edits to a copy of the
// chart is caught.
describe('a template error Kubernetes would refuse is caught', () => {
  const copies: string[] = [];
  afterAll(() => {
    for (const c of copies) rmSync(c, { recursive: true, force: true });
  });
  const broken = (file: string, from: string | RegExp, to: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'paddock-chart-broken-'));
    copies.push(dir);
    cpSync(chartDir, dir, { recursive: true });
    const path = join(dir, 'templates', file);
    const text = readFileSync(path, 'utf8');
    const edited = text.replace(from, to);
    expect(edited, `${file} still contains what the edit changes`).not.toBe(text);
    writeFileSync(path, edited);
    return releaseErrors(renderChart(dir, 'prod-eu', 'paddock', installs['chart defaults']!.sets).documents);
  };

  it.each([
    ['a misspelt field', 'reconciler.yaml', 'mountPath: /etc/paddock/key', 'mountpath: /etc/paddock/key', /unknown field spec\.template\.spec\.containers\[0\]\.volumeMounts\[0\]\.mountpath/],
    ['a number as a string', 'reconciler.yaml', 'replicas: 1', 'replicas: "1"', /Kubernetes 1\.19\): .*replicas must be integer/],
    ['a quantity Kubernetes cannot parse', 'reconciler.yaml', 'memory: 256Mi', 'memory: 256MB', /limits\.memory "256MB" is not a quantity/],
    ['a request above its limit', 'reconciler.yaml', 'memory: 96Mi', 'memory: 1Gi', /requests\.memory 1Gi is more than its limit 256Mi/],
    ['a selector that misses the template', 'deployment.yaml', /matchLabels:\n(\s+)app: .*\n/, 'matchLabels:\n$1app: somebody-else\n', /spec\.selector does not match the template labels/],
    ['a mount of no volume', 'reconciler.yaml', '- name: tmp\n              mountPath: /tmp', '- name: scratch\n              mountPath: /tmp', /volumeMounts\[1\]\.name "scratch" names no volume/],
    ['an empty verb list', 'reconciler.yaml', 'verbs: ["get", "list", "watch", "delete"]', 'verbs: []', /rules\[0\]\.verbs must not be empty/],
    ['a Secret nothing creates', 'reconciler.yaml', 'secretName: {{ include "paddock-runner.secretName" . }}', 'secretName: {{ .Release.Name }}-key', /mounts Secret prod-eu-key, which nothing creates/],
    ['a label value over 63 characters', 'reconciler.yaml', 'app: {{ include "paddock-runner.reconcilerLabel" . }}', `app: {{ .Release.Name }}-${'x'.repeat(60)}`, /is not a valid label value/],
    ['a Job name over 63 characters', 'upgrade-operator-job.yaml', 'name: {{ include "paddock-runner.operatorName" . }}', `name: {{ .Release.Name }}-${'x'.repeat(60)}`, /Job\/.* is over 63 characters/],
    ['an unquoted yes (a boolean to Kubernetes)', 'reconciler.yaml', 'app.kubernetes.io/name: paddock-runner\n        app.kubernetes.io/instance', 'app.kubernetes.io/name: yes\n        app.kubernetes.io/instance', /labels.*must be string/],
    ['an API newer than 1.19', 'reconciler.yaml', '{{- end }}', '---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: {{ .Release.Name }}-reconciler\nspec:\n  maxUnavailable: 1\n  selector:\n    matchLabels:\n      app: {{ .Release.Name }}-reconciler\n{{- end }}', /PodDisruptionBudget\/prod-eu-reconciler \(Kubernetes 1\.19\): policy\/v1 PodDisruptionBudget does not exist/],
  ] as const)('%s', (_what, file, from, to, error) => {
    const errors = broken(file, from, to);
    expect(errors.some((e) => error.test(e)), errors.join('\n')).toBe(true);
  });
});
