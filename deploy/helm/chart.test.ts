import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import {
  externalSecretManifest,
  helmCommand,
  kubectlScaleCommand,
  resourceLimitDefaults,
  resourceLimitNames,
} from '../../src/contract';
import { renderChart } from './render';

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

/** Every variant of the Helm command the console can produce. */
const variants = {
  inline: helmCommand(base),
  inlineWithEverything: helmCommand({ ...base, namespace: 'ci', replicaCount: 3, limits: allLimits }),
  existingSecret: helmCommand({ ...base, existingSecret: true, replicaCount: 2, limits: allLimits }),
};

/** The argv a real shell hands to helm. */
function argv(command: string): string[] {
  const out = execFileSync('sh', ['-c', `printf '%s\\0' ${command}`], { encoding: 'utf8', env: { PATH: process.env.PATH } });
  return out.split('\0').slice(0, -1);
}

/** What `helm upgrade --install <release> <chart> …` would be called with. */
function helmArgs(command: string): { release: string; namespace: string; sets: string[] } {
  const words = argv(command);
  expect(words.slice(0, 3)).toEqual(['helm', 'upgrade', '--install']);
  const sets: string[] = [];
  words.forEach((w, i) => {
    if (w === '--set') sets.push(words[i + 1]!);
  });
  return { release: words[3]!, namespace: words[words.indexOf('--namespace') + 1]!, sets };
}

const values = parseYaml(readFileSync(join(chartDir, 'values.yaml'), 'utf8')) as Record<string, unknown>;
const templatesDir = join(chartDir, 'templates');
const templateText = readdirSync(templatesDir)
  .map((f) => readFileSync(join(templatesDir, f), 'utf8'))
  .join('\n');
const valuesRead = new Set([...templateText.matchAll(/\.Values\.([A-Za-z0-9_.]+)/g)].map((m) => m[1]!));

function has(obj: unknown, path: string): boolean {
  let v = obj;
  for (const k of path.split('.')) {
    if (v === null || typeof v !== 'object' || !(k in v)) return false;
    v = (v as Record<string, unknown>)[k];
  }
  return true;
}

function leaves(obj: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(obj).flatMap(([k, v]) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? leaves(v as Record<string, unknown>, `${prefix}${k}.`) : [`${prefix}${k}`],
  );
}

type K8s = { kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> } } & Record<string, unknown>;
// biome-ignore lint/suspicious/noExplicitAny: manifests are walked freely in assertions
type Any = any;

function find(docs: Record<string, unknown>[], kind: string): Any[] {
  return docs.filter((d) => d.kind === kind);
}

/** The runner's own objects (<release>-runner), not the reconciler's. */
function runnerOf(docs: Record<string, unknown>[], kind: string): Any {
  return find(docs, kind).find((d) => d.metadata.name.endsWith('-runner'));
}

describe('values.yaml and templates agree', () => {
  it.each(Object.entries(variants))('every --set key of the %s command exists in values.yaml and is read by a template', (_name, command) => {
    for (const assignment of helmArgs(command).sets) {
      const path = assignment.slice(0, assignment.indexOf('='));
      expect(has(values, path), `${path} in values.yaml`).toBe(true);
      expect(valuesRead.has(path), `${path} read by a template`).toBe(true);
    }
  });

  it('the console can set every key the issue names', () => {
    const keys = new Set(Object.values(variants).flatMap((c) => helmArgs(c).sets.map((s) => s.slice(0, s.indexOf('=')))));
    for (const k of ['appKey', 'existingSecret', 'serverUrl', 'replicaCount', 'image.repository', 'image.tag', ...resourceLimitNames.map((n) => `config.container.${n}`)]) {
      expect(keys).toContain(k);
    }
  });

  it('every .Values path a template reads exists in values.yaml', () => {
    expect(valuesRead.size).toBeGreaterThan(10);
    for (const path of valuesRead) expect(has(values, path), `${path} in values.yaml`).toBe(true);
  });

  it('every value in values.yaml is read by a template (no dead knobs)', () => {
    for (const leaf of leaves(values)) expect(valuesRead.has(leaf), `${leaf} read by a template`).toBe(true);
  });

  it("the console's placeholder limits are the chart's defaults", () => {
    expect((values.config as Any).container).toEqual(resourceLimitDefaults);
  });
});

describe('rendered chart', () => {
  it('inline key: Deployment <release>-runner, Secret, ServiceAccount, Role, RoleBinding and the upgrade operator', () => {
    const { release, namespace, sets } = helmArgs(variants.inline);
    const { documents } = renderChart(chartDir, release, namespace, sets);
    for (const d of documents as K8s[]) {
      expect(d.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
      expect(d.metadata.namespace).toBe('paddock');
      for (const v of Object.values(d.metadata.labels ?? {})) expect(v.length).toBeLessThanOrEqual(63);
    }
    expect(documents.map((d) => `${d.kind}/${(d as K8s).metadata.name}`).sort()).toEqual([
      'Deployment/prod-eu-reconciler',
      'Deployment/prod-eu-runner',
      'Job/prod-eu-runner-operator',
      'Role/prod-eu-reconciler',
      'Role/prod-eu-runner',
      'RoleBinding/prod-eu-reconciler',
      'RoleBinding/prod-eu-runner',
      'Secret/prod-eu-runner-key',
      'ServiceAccount/prod-eu-reconciler',
      'ServiceAccount/prod-eu-runner',
    ]);

    const deployment = runnerOf(documents, 'Deployment');
    expect(deployment.metadata.name).toBe('prod-eu-runner');
    expect(deployment.metadata.labels.app).toBe('prod-eu-runner');
    expect(deployment.spec.selector.matchLabels).toEqual({ app: 'prod-eu-runner' });
    expect(deployment.spec.template.metadata.labels.app).toBe('prod-eu-runner');
    expect(deployment.spec.replicas).toBe(1);
    expect(deployment.spec.progressDeadlineSeconds).toBe(300);
    const pod = deployment.spec.template.spec;
    expect(pod.serviceAccountName).toBe('prod-eu-runner');
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    const [container] = pod.containers;
    expect(container.image).toBe('ghcr.io/paddock/runner:1.4.0');
    const env = Object.fromEntries(container.env.map((e: Any) => [e.name, e.value ?? e.valueFrom]));
    expect(env.PADDOCK_SERVER_URL).toBe('https://paddock.example.com');
    expect(env.PADDOCK_RUNNER_KEY).toEqual({ secretKeyRef: { name: 'prod-eu-runner-key', key: 'appKey' } });
    expect(env.PADDOCK_RUNNER_NAME).toEqual({ fieldRef: { fieldPath: 'metadata.name' } });
    expect(env.PADDOCK_RUNNER_PLATFORM).toBe('kubernetes');
    expect(env.PADDOCK_AGENT_VERSION).toBe('1.4.0');
    expect(container.resources.limits).toEqual({ cpu: '500m', memory: '512Mi', 'ephemeral-storage': '1Gi' });

    const [secret] = find(documents, 'Secret');
    expect(secret.metadata.name).toBe('prod-eu-runner-key');
    expect(Buffer.from(secret.data.appKey, 'base64').toString()).toBe(key);

    const role = runnerOf(documents, 'Role');
    const binding = runnerOf(documents, 'RoleBinding');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role.metadata.name });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'prod-eu-runner', namespace: 'paddock' }]);
    expect(runnerOf(documents, 'ServiceAccount').metadata.name).toBe('prod-eu-runner');
    const deploymentRule = role.rules.find((r: Any) => r.apiGroups.includes('apps'));
    expect(deploymentRule.resources).toContain('deployments');
    expect(deploymentRule.verbs).toEqual(expect.arrayContaining(['get', 'patch']));
  });

  it('the upgrade operator rolls the Deployment back when new pods are not ready within 5 minutes', () => {
    const { release, namespace, sets } = helmArgs(variants.inline);
    const [job] = find(renderChart(chartDir, release, namespace, sets).documents, 'Job');
    expect(job.metadata.name).toBe('prod-eu-runner-operator');
    expect(job.metadata.annotations['helm.sh/hook']).toBe('post-upgrade');
    expect(job.spec.template.metadata.labels.app).toBe('prod-eu-runner-operator');
    const [container] = job.spec.template.spec.containers;
    const env = Object.fromEntries(container.env.map((e: Any) => [e.name, e.value]));
    expect(env).toEqual({ DEPLOYMENT: 'prod-eu-runner', NAMESPACE: 'paddock', TIMEOUT_SECONDS: '300' });
    const script = container.args.join('\n');
    expect(script).toMatch(/kubectl rollout status "deployment\/\$DEPLOYMENT" -n "\$NAMESPACE" --timeout="\$\{TIMEOUT_SECONDS\}s"/);
    expect(script.indexOf('kubectl rollout undo')).toBeGreaterThan(script.indexOf('kubectl rollout status'));
    // The operator's ServiceAccount may read and roll back the Deployment.
    expect(job.spec.template.spec.serviceAccountName).toBe('prod-eu-runner');
  });

  it('existing secret: no Secret is rendered and the pods read <slug>-runner-secret, the one the ExternalSecret creates', () => {
    const { release, namespace, sets } = helmArgs(variants.existingSecret);
    const { documents } = renderChart(chartDir, release, namespace, sets);
    expect(find(documents, 'Secret')).toEqual([]);
    const deployment = runnerOf(documents, 'Deployment');
    const keyEnv = deployment.spec.template.spec.containers[0].env.find((e: Any) => e.name === 'PADDOCK_RUNNER_KEY');
    const external = parseYaml(
      externalSecretManifest({ groupName: base.groupName, secretStoreName: 'vault', secretStoreKind: 'ClusterSecretStore', remoteKey: 'k' }),
    ) as Any;
    expect(keyEnv.valueFrom.secretKeyRef).toEqual({ name: external.spec.target.name, key: external.spec.data[0].secretKey });
    expect(external.metadata.namespace).toBe(namespace);
    expect(deployment.spec.replicas).toBe(2);
  });

  it('resource limits reach the runner container and the plugin containers', () => {
    const { release, namespace, sets } = helmArgs(variants.inlineWithEverything);
    const { documents } = renderChart(chartDir, release, namespace, sets);
    const deployment = runnerOf(documents, 'Deployment');
    expect(deployment.metadata.namespace).toBe('ci');
    expect(deployment.spec.replicas).toBe(3);
    const [container] = deployment.spec.template.spec.containers;
    expect(container.resources.limits).toEqual({ cpu: '750m', memory: '1Gi', 'ephemeral-storage': '3Gi' });
    const env = Object.fromEntries(container.env.map((e: Any) => [e.name, e.value]));
    expect(env).toMatchObject({ PADDOCK_PLUGIN_LIMIT_CPU: '2', PADDOCK_PLUGIN_LIMIT_MEMORY: '4Gi', PADDOCK_PLUGIN_LIMIT_STORAGE: '20Gi' });
  });

  it('refuses to render without a server URL or without a key', () => {
    expect(() => renderChart(chartDir, 'x', 'paddock', ['appKey=prk_x'])).toThrow(/serverUrl/);
    expect(() => renderChart(chartDir, 'x', 'paddock', ['serverUrl=https://x.example.com'])).toThrow(/appKey/);
  });

  it('the kubectl scale command and NOTES name the Deployment the chart creates', () => {
    const { release, namespace, sets } = helmArgs(variants.inline);
    const { documents, notes } = renderChart(chartDir, release, namespace, sets);
    const words = argv(kubectlScaleCommand(base.groupName, 4, namespace));
    expect(words.slice(0, 3)).toEqual(['kubectl', 'scale', 'deployment']);
    expect(words[3]).toBe(runnerOf(documents, 'Deployment').metadata.name);
    expect(notes).toContain('kubectl logs deployment/prod-eu-runner -n paddock');
  });

  it('the runner reads every PADDOCK_RUNNER_* / PADDOCK_AGENT_VERSION / PADDOCK_SERVER_URL variable the chart sets', () => {
    const runnerSource = readdirSync(join(import.meta.dirname, '../../src/runner'))
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
      .map((f) => readFileSync(join(import.meta.dirname, '../../src/runner', f), 'utf8'))
      .join('\n');
    const { release, namespace, sets } = helmArgs(variants.inline);
    const deployment = runnerOf(renderChart(chartDir, release, namespace, sets).documents, 'Deployment');
    const names = deployment.spec.template.spec.containers[0].env.map((e: Any) => e.name as string).filter((n: string) => /^PADDOCK_(RUNNER_|AGENT_VERSION|SERVER_URL)/.test(n));
    expect(names.length).toBe(5);
    for (const name of names) expect(runnerSource).toContain(name);
  });
});
