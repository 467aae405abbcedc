import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { api, type Instance } from '../../contract';
import type { AdminApi } from '../../testing/admin-api';
import { freePort, startControlPlane, waitFor } from '../../testing/processes';
import { FakeKubeApi } from './testing/fake-kube-api';
import { containerStatus, runnerPod, section11Rows, terminated } from './testing/pods';
import { type ReconcilerProcess, startReconciler } from './testing/reconciler-process';

// The reconciler as a real process, against a loopback server speaking the Kubernetes API's list and
// watch formats and a real control plane in its own process (PRODUCT.md §11). No cluster runs here.

const token = 'eyJhbGciOiJSUzI1NiJ9.fake-service-account-token';
const selector = 'app=prod-eu-runner';

/** A control plane process of the shared kit, with a signed-in admin. */
interface ControlPlaneProcess {
  url: string;
  admin: AdminApi;
  stop(): Promise<void>;
}

async function startControlPlaneProcess(options: { port?: number } = {}): Promise<ControlPlaneProcess> {
  const plane = await startControlPlane({ dataDir: 'memory', port: options.port });
  return { url: plane.url, admin: await plane.signIn(), stop: () => plane.dispose() };
}

let cp: ControlPlaneProcess;
let dir: string;
const cleanups: Array<() => Promise<unknown> | unknown> = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'paddock-reconcile-'));
  cp = await startControlPlaneProcess();
}, 90_000);
afterAll(async () => {
  await cp?.stop();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function fakeApi(): Promise<FakeKubeApi> {
  const fake = await new FakeKubeApi('paddock', token).start();
  cleanups.push(() => fake.stop());
  return fake;
}

function file(name: string, content: string): string {
  const path = join(dir, `${name}-${Math.random().toString(36).slice(2)}`);
  writeFileSync(path, content);
  return path;
}

function reconciler(fake: FakeKubeApi, serverUrl: string, keyFile: string, extra: string[] = []): ReconcilerProcess {
  const r = startReconciler([
    '--kube-api',
    fake.url,
    '--kube-token-file',
    file('token', `${token}\n`),
    '--namespace',
    'paddock',
    '--selector',
    selector,
    '--server',
    serverUrl,
    '--key-file',
    keyFile,
    ...extra,
  ]);
  cleanups.push(() => r.stop());
  return r;
}

async function registerAs(serverUrl: string, key: string, name: string): Promise<string> {
  const res = await fetch(serverUrl + api.runnerRegister, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name, platform: 'kubernetes', hostname: name, address: '10.244.1.23', os: 'linux', arch: 'x64', version: '1.4.0' }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { instanceId: string }).instanceId;
}

const uniqueGroupName = (prefix: string) => `${prefix}-${randomBytes(3).toString('hex')}`;
/** Lists started (first pages: no continue token). */
const listsOf = (fake: FakeKubeApi) => fake.listRequests().filter((r) => !r.query.has('continue')).length;
const byName = (list: Instance[]) => new Map(list.map((i) => [i.name, i]));

describe('the reconciler (loopback Kubernetes API, real control plane)', () => {
  it('settles one pod per row of §11: one log line, the report, then the delete; no runner container or a running one → nothing', async () => {
    const group = await cp.admin.createGroup(uniqueGroupName('k8s-rows'));
    const rows = section11Rows();
    for (const r of rows) await registerAs(cp.url, group.registrationKey, r.pod.metadata.name);
    const fake = await fakeApi();
    // Half the pods have ended before the reconciler starts (it finds them in its list); the others
    // run and end while it watches (MODIFIED events).
    const late = new Set(rows.filter((_, i) => i % 2 === 1).map((r) => r.row));
    for (const r of rows) {
      fake.put(late.has(r.row) ? runnerPod(r.pod.metadata.name, { phase: 'Running', containerStatuses: [containerStatus('core', { running: { startedAt: '2026-03-01T11:00:00Z' } })] }) : r.pod);
    }
    const rec = reconciler(fake, cp.url, file('key', group.registrationKey));
    await waitFor(() => fake.openWatches > 0, 'the reconciler to watch');
    for (const r of rows) if (late.has(r.row)) fake.put(r.pod);

    const settled = rows.filter((r) => r.expect !== null);
    const left = rows.filter((r) => r.expect === null).map((r) => r.pod.metadata.name);
    await waitFor(() => JSON.stringify(fake.names()) === JSON.stringify([...left].sort()), `only ${left.join(', ')} to be left`, 30_000);

    // One line per terminal runner pod, as §11 words it; none for the others.
    const word = (v: number | string | null) => (v === null ? '-' : String(v));
    expect(rec.terminatedLines().sort()).toEqual(
      settled
        .map((r) => `runner pod terminated pod=${r.pod.metadata.name} exitCode=${word(r.expect!.exitCode)} signal=${word(r.expect!.signal)} reason=${word(r.expect!.reason)}`)
        .sort(),
    );
    // The control plane holds each record, observed by the reconciler.
    const instances = byName(await cp.admin.instances(group.id));
    for (const r of settled) {
      expect(instances.get(r.pod.metadata.name)!.termination, r.row).toMatchObject({ ...r.expect, observedBy: 'reconciler' });
      expect(instances.get(r.pod.metadata.name)!.status, r.row).toBe('terminated');
    }
    for (const name of left) expect(instances.get(name)).toMatchObject({ status: 'connected', termination: null });
    // Each pod deleted once, the one that was read (uid precondition), after its report.
    const deletes = fake.deleteRequests();
    expect(deletes.map((d) => decodeURIComponent(d.path.split('/').at(-1)!)).sort()).toEqual(settled.map((r) => r.pod.metadata.name).sort());
    for (const d of deletes) expect(d.body).toMatchObject({ kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { uid: expect.any(String) } });
    const lines = rec.lines();
    for (const r of settled) {
      const reported = lines.findIndex((l) => l.includes(`reported pod ${r.pod.metadata.name}: recorded`));
      const deleted = lines.findIndex((l) => l.includes(`deleted pod ${r.pod.metadata.name}`));
      expect(reported, r.row).toBeGreaterThanOrEqual(0);
      expect(deleted, r.row).toBeGreaterThan(reported);
    }
    expect(lines.join('\n')).not.toContain(group.registrationKey);
    expect(await rec.stop()).toBe(0);
  }, 90_000);

  it('retries a report the control plane did not take (down, then a wrong key) and deletes the pod only once it took it; the key file is read again each time', async () => {
    const port = await freePort();
    const keyFile = file('key', 'prk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAaaaaaa\n');
    const fake = await fakeApi();
    const podName = 'prod-eu-runner-7c9d8f6b5d-retry';
    fake.put(runnerPod(podName, { phase: 'Failed', containerStatuses: [containerStatus('core', terminated(137, 'OOMKilled'))] }));
    const rec = reconciler(fake, `http://127.0.0.1:${port}`, keyFile, ['--test-backoff-seconds', '1']);

    await waitFor(() => rec.lines().filter((l) => /report of pod .*-retry failed \(cannot reach/.test(l)).length >= 2, 'two failed reports while the control plane is down', 20_000);
    expect(fake.deleteRequests()).toEqual([]);
    expect(fake.get(podName)).toBeDefined();

    const late = await startControlPlaneProcess({ port });
    cleanups.push(() => late.stop());
    const group = await late.admin.createGroup(uniqueGroupName('k8s-retry'));
    await registerAs(late.url, group.registrationKey, podName);
    await rec.waitForLine(/report of pod .*-retry failed \(401 /, 'the control plane refusing the wrong key');
    expect(fake.deleteRequests()).toEqual([]);
    expect((await late.admin.instances(group.id))[0]!.termination).toBeNull();

    // The Secret is updated (kubelet rewrites the mounted file): the next try reads the new key.
    writeFileSync(keyFile, `${group.registrationKey}\n`);
    await waitFor(() => fake.get(podName) === undefined, 'the pod to be deleted after the report was taken', 20_000);
    expect((await late.admin.instances(group.id))[0]).toMatchObject({
      status: 'terminated',
      termination: { exitCode: 137, reason: 'OOMKilled', cause: 'oom_killed', observedBy: 'reconciler' },
    });
    expect(fake.deleteRequests()).toHaveLength(1);
    expect(rec.terminatedLines()).toEqual([`runner pod terminated pod=${podName} exitCode=137 signal=- reason=OOMKilled`]);
    expect(rec.lines().join('\n')).not.toContain(group.registrationKey);
    expect(await rec.stop()).toBe(0);
  }, 120_000);

  it('follows the API: paged list, watch from its resourceVersion with bookmarks, chunked events, reconnects after a drop or a 500, and lists again on 410 Gone', async () => {
    const group = await cp.admin.createGroup(uniqueGroupName('k8s-watch'));
    const fake = await fakeApi();
    fake.pageSize = 2;
    const names = ['a', 'b', 'c', 'd', 'e'].map((s) => `prod-eu-runner-7c9d8f6b5d-wtch${s}`);
    const running = (name: string) => runnerPod(name, { phase: 'Running', containerStatuses: [containerStatus('core', { running: { startedAt: '2026-03-01T11:00:00Z' } })] });
    const ended = (name: string) => runnerPod(name, { phase: 'Failed', containerStatuses: [containerStatus('core', terminated(1, 'Error'))] });
    for (const n of names) {
      await registerAs(cp.url, group.registrationKey, n);
      fake.put(running(n));
    }
    // A pod of another release is never listed, watched or touched.
    fake.put(runnerPod('other-runner-5d4c-xxxxx', { phase: 'Failed', labels: { app: 'other-runner' }, containerStatuses: [containerStatus('core', terminated(1, 'Error'))] }));
    const listedAt = fake.resourceVersion;
    const rec = reconciler(fake, cp.url, file('key', group.registrationKey), ['--test-backoff-seconds', '1']);
    await waitFor(() => fake.openWatches === 1, 'the first watch');

    // A consistent list in pages of 2 (continue), then a watch from the list's resourceVersion.
    const pages = fake.listRequests();
    expect(pages).toHaveLength(3);
    expect(pages.map((p) => p.query.get('labelSelector'))).toEqual([selector, selector, selector]);
    expect(pages[0]!.query.get('limit')).toBe('500');
    expect(pages[0]!.query.has('continue')).toBe(false);
    expect(pages.slice(1).every((p) => p.query.get('continue'))).toBe(true);
    const first = fake.watchRequests()[0]!;
    expect(first.query.get('resourceVersion')).toBe(listedAt);
    expect(first.query.get('allowWatchBookmarks')).toBe('true');
    expect(first.query.get('labelSelector')).toBe(selector);
    expect(Number(first.query.get('timeoutSeconds'))).toBeGreaterThanOrEqual(300);

    // A pod ends while watched: its event arrives split across chunks.
    fake.put(ended(names[0]!));
    await waitFor(() => fake.get(names[0]!) === undefined, 'the first pod to be settled');

    // Other objects changed (the version moved on); a bookmark says so; the server ends the watch:
    // the next watch resumes from the bookmark, without a new list.
    fake.bumpVersion(40);
    fake.bookmark();
    const bookmarked = fake.resourceVersion;
    fake.endWatches();
    await waitFor(() => fake.watchRequests().length === 2 && fake.openWatches === 1, 'the watch to be opened again');
    expect(fake.watchRequests()[1]!.query.get('resourceVersion')).toBe(bookmarked);
    expect(listsOf(fake)).toBe(1);

    // The connection drops just as a pod ends: the watch reconnects from its last version and the
    // event missed on the wire is replayed from there. A 500 on the way is retried too.
    fake.failNextWatches.push(500);
    fake.dropWatches();
    fake.put(ended(names[1]!));
    await waitFor(() => fake.get(names[1]!) === undefined, 'the pod that ended during the drop to be settled', 20_000);
    expect(rec.lines().some((l) => /pod watch failed \(watch answered 500/.test(l))).toBe(true);
    expect(fake.watchRequests().at(-1)!.query.get('resourceVersion')).toBe(bookmarked);
    expect(listsOf(fake)).toBe(1);

    // The watch drops; while it is away, a pod ends and the history is compacted: resuming gets
    // 410 Gone as an ERROR event, so the reconciler lists again and finds the ended pod there.
    await waitFor(() => fake.openWatches === 1, 'a watch to be open');
    fake.dropWatches();
    fake.put(ended(names[2]!));
    fake.bumpVersion(10);
    fake.compact();
    await waitFor(() => fake.get(names[2]!) === undefined, 'the pod found by the new list to be settled', 20_000);
    expect(listsOf(fake)).toBe(2);
    expect(rec.lines().some((l) => /watch expired \(410 Gone: too old resource version/.test(l))).toBe(true);

    // The same with 410 as the HTTP status of the watch request.
    await waitFor(() => fake.openWatches === 1, 'a watch to be open');
    fake.goneAs = 'status';
    fake.dropWatches();
    fake.put(ended(names[3]!));
    fake.compact();
    await waitFor(() => fake.get(names[3]!) === undefined, 'the pod found by the third list to be settled', 20_000);
    expect(listsOf(fake)).toBe(3);

    expect(rec.terminatedLines().sort()).toEqual(names.slice(0, 4).map((n) => `runner pod terminated pod=${n} exitCode=1 signal=- reason=Error`).sort());
    expect(fake.names()).toEqual(['other-runner-5d4c-xxxxx', names[4]!].sort());
    expect(fake.deleteRequests()).toHaveLength(4);
    const instances = byName(await cp.admin.instances(group.id));
    for (const n of names.slice(0, 4)) expect(instances.get(n)!.termination).toMatchObject({ cause: 'crash', observedBy: 'reconciler' });
    expect(instances.get(names[4]!)!.termination).toBeNull();
    expect(await rec.stop()).toBe(0);
  }, 120_000);

  it('keeps a pod no instance registered under (404) for kubectl logs, and stops with exit 1 once the group is deleted (410)', async () => {
    const group = await cp.admin.createGroup(uniqueGroupName('k8s-gone'));
    const fake = await fakeApi();
    const unknown = 'prod-eu-runner-7c9d8f6b5d-nvrrg';
    fake.put(runnerPod(unknown, { phase: 'Failed', containerStatuses: [containerStatus('core', terminated(1, 'Error'))] }));
    const rec = reconciler(fake, cp.url, file('key', group.registrationKey), ['--test-backoff-seconds', '1']);
    await rec.waitForLine(/report of pod prod-eu-runner-7c9d8f6b5d-nvrrg refused \(404/, 'the 404');
    expect(fake.get(unknown)).toBeDefined();

    const last = 'prod-eu-runner-7c9d8f6b5d-lastt';
    await registerAs(cp.url, group.registrationKey, last);
    await cp.admin.deleteGroup(group.id);
    fake.put(runnerPod(last, { phase: 'Failed', reason: 'Evicted', message: 'The node was low on resource: ephemeral-storage.' }));
    expect(await rec.exited).toBe(1);
    expect(rec.lines().some((l) => /runner group was deleted \(410/.test(l))).toBe(true);
    expect(fake.get(last)).toBeDefined();
    expect(fake.get(unknown)).toBeDefined();
    expect(fake.deleteRequests()).toEqual([]);
    // The 404 was not retried.
    expect(rec.lines().filter((l) => l.includes('refused (404')).length).toBe(1);
  }, 60_000);
});
