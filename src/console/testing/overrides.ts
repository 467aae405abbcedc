import { delay, HttpResponse, http } from 'msw';
import { api, type Instance } from '../../contract';
import { db, seedGroup } from './db';
import { ago, buildTermination, buildUpdate } from './factories';
import { problem } from './handlers';
import { buildAttempt } from './notification-channels';
import { server } from './server';

/** Named per-test states (Grafana style): each one says what the server does, in one line. */

export function serverAnswers503ToRunnerGroups() {
  server.use(http.get(api.runnerGroups, () => problem(503, 'Service unavailable')));
}

/** The network drops every API request (the control plane is down). */
export function controlPlaneUnreachable() {
  server.use(http.all('/api/*', () => HttpResponse.error()));
}

/** Runner groups never answer: the page stays in its loading state. */
export function runnerGroupsNeverLoad() {
  server.use(
    http.get(api.runnerGroups, async () => {
      await delay('infinite');
      return HttpResponse.json([]);
    }),
  );
}

export function signedOut() {
  db.session = null;
}

export function viewerSession() {
  db.session = { username: 'vera', role: 'viewer' };
}

/** Creating a group fails with a field error on the name (as a 400 from the server). */
export function createAnswersFieldError(message = 'may contain only letters, digits, space, ".", "_" and "-"') {
  server.use(http.post(api.runnerGroups, () => problem(400, 'Invalid runner group', { errors: [{ field: 'name', message }] })));
}

export function mutationsUnreachable() {
  for (const method of [http.post, http.patch, http.delete]) server.use(method('/api/*', () => HttpResponse.error()));
}

/** A healthy group: 3 of 3 connected on the latest version. */
export function healthyGroup(name = 'Production') {
  return seedGroup({ name, isDefault: true }, [
    { name: `${slug(name)}-runner-7d9f-a`, platform: 'kubernetes' },
    { name: `${slug(name)}-runner-7d9f-b`, platform: 'kubernetes' },
    { name: `${slug(name)}-runner-7d9f-c`, platform: 'kubernetes' },
  ]);
}

/** A group with two connected instances one version behind. */
export function groupBehind(name = 'Staging') {
  return seedGroup({ name }, [
    { name: 'staging-1', version: '1.3.0' },
    { name: 'staging-2', version: '1.3.0' },
  ]);
}

/** A group whose runners all stopped answering. */
export function disconnectedGroup(name = 'Edge') {
  return seedGroup({ name }, [
    { name: 'edge-1', status: 'disconnected', lastHeartbeatAt: ago(95), lastError: { kind: 'timeout', message: 'POST /heartbeat timed out after 10s', at: ago(90) } },
    { name: 'edge-2', status: 'terminated', termination: buildTermination(), lastHeartbeatAt: ago(700) },
  ]);
}

export function waitingGroup(name = 'New group') {
  return seedGroup({ name });
}

/** A group in the middle of an update: one of two instances done. */
export function updateRunning(name = 'Staging') {
  const group = seedGroup({ name }, [
    { id: 'ins_upd_1', name: 'staging-1', version: '1.4.0' },
    { id: 'ins_upd_2', name: 'staging-2', version: '1.3.0' },
  ]);
  const update = buildUpdate({
    groupId: group.id,
    targetVersion: '1.4.0',
    fromVersions: ['1.3.0'],
    instances: [
      { instanceId: 'ins_upd_1', name: 'staging-1', version: '1.4.0', state: 'updated' },
      { instanceId: 'ins_upd_2', name: 'staging-2', version: '1.3.0', state: 'updating' },
    ],
  });
  db.updates.set(group.id, [update]);
  return { group: { ...group, activeUpdate: update }, update };
}

/** A moment `seconds` before the real now: health counts ends of the last hour from the time of the request. */
export const secondsAgo = (seconds: number) => new Date(Date.now() - seconds * 1000).toISOString();

/**
 * The group of the 3 a.m. incident (issue 15): of 4 runners, one crashed, one was SIGKILLed and one
 * completed within a minute; 1 of 1 still connected. Degraded, with its reasons.
 */
export function degradedGroup(name = 'Build farm') {
  return seedGroup({ name }, [
    { id: 'ins_deg_ok', name: 'farm-1', platform: 'docker' },
    { id: 'ins_deg_crash', name: 'farm-2', platform: 'docker', status: 'terminated', termination: buildTermination({ exitCode: 139, reason: 'Error', cause: 'crash', at: secondsAgo(50) }) },
    { id: 'ins_deg_kill', name: 'farm-3', platform: 'docker', status: 'terminated', termination: buildTermination({ exitCode: 137, reason: 'Error', cause: 'killed', at: secondsAgo(40) }) },
    { id: 'ins_deg_done', name: 'farm-4', platform: 'docker', status: 'terminated', termination: buildTermination({ exitCode: 0, reason: 'Completed', cause: 'completed', at: secondsAgo(30) }) },
    { id: 'ins_deg_repl', name: 'farm-0', platform: 'docker', status: 'terminated', termination: buildTermination({ exitCode: 0, reason: 'Completed', cause: 'replaced', at: secondsAgo(7_200) }) },
  ]);
}

/** A healthy group whose last update succeeded a day ago. */
export function updatedYesterday(name = 'Production') {
  const group = seedGroup({ name }, [{ name: 'prod-1', version: '1.4.0' }]);
  const update = buildUpdate({ groupId: group.id, state: 'succeeded', targetVersion: '1.4.0', requestedAt: secondsAgo(90_000), finishedAt: secondsAgo(86_500) });
  db.updates.set(group.id, [update]);
  return { group, update };
}

/** A group whose last update was rolled back at the deadline. */
export function rolledBack(name = 'Staging') {
  const group = seedGroup({ name }, [{ name: 'staging-1', version: '1.3.0' }]);
  const update = buildUpdate({
    groupId: group.id,
    state: 'rolled_back',
    targetVersion: '1.4.0',
    requestedAt: secondsAgo(7_500),
    finishedAt: secondsAgo(7_200),
    reason: 'Deadline passed: staging-1 did not report 1.4.0 within 300 s',
    instances: [{ instanceId: 'x', name: 'staging-1', version: '1.3.0', state: 'rolled_back' }],
  });
  db.updates.set(group.id, [update]);
  return { group, update };
}

/** A group with 10,000 instances, most connected, some ended in every way. */
export function tenThousandInstances(name = 'Big fleet') {
  const instances: Array<Partial<Instance>> = [];
  for (let i = 0; i < 10_000; i++) {
    const n = String(i).padStart(5, '0');
    const status: Instance['status'] = i % 50 === 7 ? 'terminated' : i % 40 === 3 ? 'disconnected' : 'connected';
    instances.push({
      id: `ins_big_${n}`,
      name: `big-runner-${n}`,
      hostname: `node-${Math.floor(i / 100)}`,
      address: `10.${Math.floor(i / 65_536) % 256}.${Math.floor(i / 256) % 256}.${i % 256}`,
      platform: 'kubernetes',
      status,
      termination: status === 'terminated' ? buildTermination({ exitCode: 0, reason: 'Completed', cause: 'completed' }) : null,
    });
  }
  return seedGroup({ name }, instances);
}

/** Many groups on the Runners page. */
export function manyGroups(count: number) {
  for (let i = 0; i < count; i++) {
    seedGroup({ id: `grp_many_${i}`, name: `group-${String(i).padStart(4, '0')}` }, i % 3 === 0 ? [] : [{ name: `g${i}-r1` }]);
  }
}

function slug(name: string) {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
}

/** The instances of every group fail to load. */
export function serverAnswers503ToInstances() {
  server.use(http.get(`${api.runnerGroups}/:id/instances`, () => problem(503, 'Service Unavailable')));
}

/** The audit log never answers: the Activity page stays loading. */
export function auditNeverLoads() {
  server.use(
    http.get(api.auditEvents, async () => {
      await delay('infinite');
      return HttpResponse.json({ items: [], nextCursor: null });
    }),
  );
}

/** Sign in is rate limited. */
export function signInRateLimited() {
  server.use(http.post(api.session, () => problem(429, 'Too Many Requests', { detail: 'Try again in a minute.' })));
}

/** Named state: the channel list answers 500. */
export function channelsAnswer500() {
  server.use(http.get(api.notificationChannels, () => problem(500, 'Internal Server Error', { detail: 'Something went wrong on the server; it has been logged.' })));
}

/** Named state: the receiver of every test answers 503 (the attempt fails). */
export function testsFailWith503() {
  server.use(
    http.post(decodeURIComponent(api.notificationChannelTest(':id')), () =>
      HttpResponse.json(buildAttempt({ eventType: 'test', status: 'failed', responseStatus: 503, error: 'HTTP 503', at: new Date().toISOString() })),
    ),
  );
}
