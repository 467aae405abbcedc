// Validates rendered manifests the way a Kubernetes API server would before storing them, without a
// cluster: each object against the OpenAPI schemas of several Kubernetes versions (the
// `kubernetes-models` validators, generated from those schemas), unknown fields against the oldest
// version the chart claims (kubectl and the API server's strict field validation refuse them), and
// the checks the API server makes that a schema cannot express (names, labels, selectors, references
// inside a pod spec, requests within limits).
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** The Kubernetes versions whose schemas are installed (package aliases in package.json), oldest first. */
export const schemaVersions = [
  { kubernetes: '1.19', pkg: 'kubernetes-models-1.19' },
  { kubernetes: '1.22', pkg: 'kubernetes-models-1.22' },
  { kubernetes: '1.25', pkg: 'kubernetes-models-1.25' },
  { kubernetes: '1.27', pkg: 'kubernetes-models' },
] as const;

type Doc = Record<string, unknown> & { apiVersion?: string; kind?: string };
type Model = new (data: unknown) => { validate(): void };
// biome-ignore lint/suspicious/noExplicitAny: walking JSON schemas and manifests of any shape
type Any = any;

/** The model class of an apiVersion/kind in one schema version, or null when that version has no such API. */
function modelOf(pkg: string, apiVersion: string, kind: string): Model | null {
  const path = apiVersion === 'v1' ? `${pkg}/v1` : `${pkg}/${apiVersion}`;
  try {
    return ((require(path) as Record<string, Model>)[kind] ?? null) as Model | null;
  } catch {
    return null;
  }
}

/** Errors of one document against one schema version's validator. */
export function schemaErrors(doc: Doc, pkg: string): string[] {
  const Model = modelOf(pkg, String(doc.apiVersion), String(doc.kind));
  if (!Model) return [`${doc.apiVersion} ${doc.kind} does not exist in this Kubernetes version`];
  try {
    new Model(doc).validate();
    return [];
  } catch (err) {
    return [(err as Error).message];
  }
}

// The oldest version's raw JSON schemas live in its validator's ajv instance (registered by validate()).
const oldest = schemaVersions[0].pkg;
let ajv119: { getSchema(id: string): { schema: Any } | undefined } | null = null;
function oldestAjv() {
  if (!ajv119) {
    const root = dirname(dirname(require.resolve(`${oldest}/apps/v1`)));
    const validateEntry = createRequire(join(root, 'index.js')).resolve('@kubernetes-models/validate');
    ajv119 = require(join(dirname(validateEntry), 'ajv.js')).ajv;
  }
  return ajv119!;
}
const schemaIds: Record<string, string> = {
  'v1/Secret': 'io.k8s.api.core.v1.Secret',
  'v1/ServiceAccount': 'io.k8s.api.core.v1.ServiceAccount',
  'v1/ConfigMap': 'io.k8s.api.core.v1.ConfigMap',
  'apps/v1/Deployment': 'io.k8s.api.apps.v1.Deployment',
  'batch/v1/Job': 'io.k8s.api.batch.v1.Job',
  'rbac.authorization.k8s.io/v1/Role': 'io.k8s.api.rbac.v1.Role',
  'rbac.authorization.k8s.io/v1/RoleBinding': 'io.k8s.api.rbac.v1.RoleBinding',
};

/** Fields the oldest claimed version does not know, as paths (`spec.template.spec.containers[0].foo`). */
export function unknownFields(doc: Doc): string[] {
  const id = schemaIds[`${doc.apiVersion}/${doc.kind}`];
  if (!id) return [`no schema to check the fields of ${doc.apiVersion} ${doc.kind} against`];
  schemaErrors(doc, oldest); // registers the schemas
  const ajv = oldestAjv();
  const out: string[] = [];
  const resolve = (schema: Any): Any => {
    let s = schema;
    for (let i = 0; s?.$ref && i < 20; i++) s = ajv.getSchema(String(s.$ref).replace(/#$/, ''))?.schema;
    return s;
  };
  const walk = (schema: Any, value: unknown, path: string) => {
    const s = resolve(schema);
    if (!s || value === null || value === undefined) return;
    const branches = s.oneOf ?? s.anyOf;
    if (branches) {
      for (const b of branches) {
        const r = resolve(b);
        if (r?.type === 'null') continue;
        walk(r, value, path);
      }
      return;
    }
    if (Array.isArray(value)) {
      if (s.items) {
        for (const [i, v] of value.entries()) walk(s.items, v, `${path}[${i}]`);
      }
      return;
    }
    if (typeof value !== 'object') return;
    for (const [key, v] of Object.entries(value)) {
      const at = path ? `${path}.${key}` : key;
      if (s.properties && key in s.properties) walk(s.properties[key], v, at);
      else if (s.additionalProperties && typeof s.additionalProperties === 'object') walk(s.additionalProperties, v, at);
      else if (s.properties || s.additionalProperties === false) out.push(at);
    }
  };
  walk({ $ref: `${id}#` }, doc, '');
  return out;
}

// ---- what the API server checks beyond the schema ----

const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const qualifiedName = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const labelValue = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const envName = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

function keyError(key: string): string | null {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : null;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== null && (prefix.length > 253 || !dns1123Subdomain.test(prefix))) return `key prefix "${prefix}" is not a DNS subdomain`;
  if (name.length > 63 || !qualifiedName.test(name)) return `key "${key}" is not a qualified name`;
  return null;
}

/** A Kubernetes quantity as a number (cores or bytes), or null when it is not one. */
export function quantity(q: unknown): number | null {
  if (typeof q === 'number') return q;
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/.exec(String(q));
  if (!m) return null;
  const n = Number(m[1]);
  const suffix = m[2] ?? '';
  const binary: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
  const decimal: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };
  if (suffix in binary) return n * binary[suffix]!;
  if (suffix in decimal) return n * decimal[suffix]!;
  return n * 10 ** Number(suffix.slice(1));
}

function podSpecErrors(spec: Any, at: string, kind: string): string[] {
  const errors: string[] = [];
  const volumes = new Map<string, Any>();
  for (const [i, v] of (spec.volumes ?? []).entries()) {
    if (!dns1123Label.test(v.name ?? '')) errors.push(`${at}.volumes[${i}].name "${v.name}" is not a DNS-1123 label`);
    if (volumes.has(v.name)) errors.push(`${at}.volumes[${i}].name "${v.name}" is used twice`);
    volumes.set(v.name, v);
    const mode = v.secret?.defaultMode ?? v.configMap?.defaultMode;
    if (mode !== undefined && (mode < 0 || mode > 0o777)) errors.push(`${at}.volumes[${i}] defaultMode ${mode} is not within 0 and 0777`);
  }
  const restart = spec.restartPolicy ?? 'Always';
  if (kind === 'Deployment' && restart !== 'Always') errors.push(`${at}.restartPolicy must be Always in a Deployment`);
  if (kind === 'Job' && restart !== 'Never' && restart !== 'OnFailure') errors.push(`${at}.restartPolicy must be Never or OnFailure in a Job`);
  const names = new Set<string>();
  for (const [ci, c] of (spec.containers ?? []).entries()) {
    const cat = `${at}.containers[${ci}]`;
    if (!dns1123Label.test(c.name ?? '')) errors.push(`${cat}.name "${c.name}" is not a DNS-1123 label`);
    if (names.has(c.name)) errors.push(`${cat}.name "${c.name}" is used twice`);
    names.add(c.name);
    if (!c.image) errors.push(`${cat}.image is required`);
    const envSeen = new Set<string>();
    for (const [ei, e] of (c.env ?? []).entries()) {
      if (!envName.test(e.name ?? '')) errors.push(`${cat}.env[${ei}].name "${e.name}" is not a valid variable name`);
      if (e.value !== undefined && e.valueFrom !== undefined) errors.push(`${cat}.env[${ei}] has both value and valueFrom`);
      if (e.valueFrom && Object.keys(e.valueFrom).length !== 1) errors.push(`${cat}.env[${ei}].valueFrom must have exactly one source`);
      if (envSeen.has(e.name)) errors.push(`${cat}.env[${ei}].name "${e.name}" is set twice`);
      envSeen.add(e.name);
    }
    const paths = new Set<string>();
    for (const [mi, m] of (c.volumeMounts ?? []).entries()) {
      if (!volumes.has(m.name)) errors.push(`${cat}.volumeMounts[${mi}].name "${m.name}" names no volume`);
      if (!String(m.mountPath ?? '').startsWith('/')) errors.push(`${cat}.volumeMounts[${mi}].mountPath must be absolute`);
      if (paths.has(m.mountPath)) errors.push(`${cat}.volumeMounts[${mi}].mountPath "${m.mountPath}" is mounted twice`);
      paths.add(m.mountPath);
    }
    for (const [res, value] of Object.entries(c.resources?.requests ?? {})) {
      const limit = c.resources?.limits?.[res];
      const r = quantity(value);
      const l = limit === undefined ? null : quantity(limit);
      if (r === null) errors.push(`${cat}.resources.requests.${res} "${value}" is not a quantity`);
      else if (l !== null && r > l) errors.push(`${cat}.resources.requests.${res} ${value} is more than its limit ${limit}`);
    }
    for (const [res, value] of Object.entries(c.resources?.limits ?? {})) {
      if (quantity(value) === null) errors.push(`${cat}.resources.limits.${res} "${value}" is not a quantity`);
    }
  }
  return errors;
}

/** What the API server would refuse in one object beyond its schema. */
export function admissionErrors(doc: Any): string[] {
  const errors: string[] = [];
  const meta = doc.metadata ?? {};
  const name = String(meta.name ?? '');
  if (!name || name.length > 253 || !dns1123Subdomain.test(name)) errors.push(`metadata.name "${name}" is not a DNS-1123 subdomain`);
  // A Job's name becomes its pods' job-name label, so it must also be a label value.
  if (doc.kind === 'Job' && name.length > 63) errors.push(`metadata.name "${name}" is over 63 characters (the job-name label of its pods)`);
  if (meta.namespace !== undefined && !dns1123Label.test(String(meta.namespace))) errors.push(`metadata.namespace "${meta.namespace}" is not a DNS-1123 label`);
  const labelsAt = (labels: Record<string, unknown> | undefined, at: string) => {
    for (const [k, v] of Object.entries(labels ?? {})) {
      const e = keyError(k);
      if (e) errors.push(`${at}: ${e}`);
      if (typeof v !== 'string' || v.length > 63 || !labelValue.test(v)) errors.push(`${at}["${k}"] value "${String(v)}" is not a valid label value`);
    }
  };
  labelsAt(meta.labels, 'metadata.labels');
  for (const k of Object.keys(meta.annotations ?? {})) {
    const e = keyError(k);
    if (e) errors.push(`metadata.annotations: ${e}`);
  }
  if (doc.kind === 'Deployment' || doc.kind === 'Job') {
    const template = doc.spec?.template ?? {};
    labelsAt(template.metadata?.labels, 'spec.template.metadata.labels');
    if (doc.kind === 'Deployment') {
      const match = doc.spec?.selector?.matchLabels ?? {};
      if (Object.keys(match).length === 0) errors.push('spec.selector must not be empty');
      for (const [k, v] of Object.entries(match)) {
        if (template.metadata?.labels?.[k] !== v) errors.push(`spec.selector does not match the template labels (${k}=${String(v)})`);
      }
      if ((doc.spec?.replicas ?? 1) < 0) errors.push('spec.replicas must not be negative');
    }
    errors.push(...podSpecErrors(template.spec ?? {}, 'spec.template.spec', doc.kind));
  }
  if (doc.kind === 'Role') {
    for (const [i, r] of (doc.rules ?? []).entries()) {
      if (!Array.isArray(r.verbs) || r.verbs.length === 0) errors.push(`rules[${i}].verbs must not be empty`);
      if (!Array.isArray(r.apiGroups)) errors.push(`rules[${i}].apiGroups is required for a namespaced Role`);
    }
  }
  if (doc.kind === 'RoleBinding' && doc.roleRef?.apiGroup !== 'rbac.authorization.k8s.io') errors.push('roleRef.apiGroup must be rbac.authorization.k8s.io');
  return errors;
}

/**
 * References between the objects of one release that must hold for its pods to start: service
 * accounts, secrets (the chart's own, or the user's existing one), roles bound.
 */
export function referenceErrors(docs: Any[], options: { existingSecret?: string } = {}): string[] {
  const errors: string[] = [];
  const have = (kind: string, name: string) => docs.some((d) => d.kind === kind && d.metadata?.name === name);
  const secretOk = (name: string) => have('Secret', name) || name === options.existingSecret;
  for (const d of docs) {
    const where = `${d.kind}/${d.metadata?.name}`;
    const spec = d.spec?.template?.spec;
    if (spec) {
      if (spec.serviceAccountName && !have('ServiceAccount', spec.serviceAccountName)) errors.push(`${where}: ServiceAccount ${spec.serviceAccountName} is not in the release`);
      for (const c of spec.containers ?? []) {
        for (const e of c.env ?? []) {
          const ref = e.valueFrom?.secretKeyRef;
          if (ref && !secretOk(ref.name)) errors.push(`${where}: env ${e.name} reads Secret ${ref.name}, which nothing creates`);
        }
      }
      for (const v of spec.volumes ?? []) {
        if (v.secret && !secretOk(v.secret.secretName)) errors.push(`${where}: volume ${v.name} mounts Secret ${v.secret.secretName}, which nothing creates`);
      }
    }
    if (d.kind === 'RoleBinding') {
      if (!have(d.roleRef?.kind, d.roleRef?.name)) errors.push(`${where}: binds ${d.roleRef?.kind} ${d.roleRef?.name}, which is not in the release`);
      for (const s of d.subjects ?? []) if (s.kind === 'ServiceAccount' && !have('ServiceAccount', s.name)) errors.push(`${where}: subject ServiceAccount ${s.name} is not in the release`);
    }
  }
  return errors;
}

/** Every problem of a rendered release, each prefixed with its object and (for schemas) the Kubernetes version. */
export function releaseErrors(docs: Any[], options: { existingSecret?: string } = {}): string[] {
  const out: string[] = [];
  for (const d of docs) {
    const where = `${d.kind}/${d.metadata?.name}`;
    for (const v of schemaVersions) for (const e of schemaErrors(d, v.pkg)) out.push(`${where} (Kubernetes ${v.kubernetes}): ${e}`);
    for (const f of unknownFields(d)) out.push(`${where}: unknown field ${f} (Kubernetes ${schemaVersions[0].kubernetes})`);
    for (const e of admissionErrors(d)) out.push(`${where}: ${e}`);
  }
  out.push(...referenceErrors(docs, options));
  return out;
}
