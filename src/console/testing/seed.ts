import type { Instance } from '../../contract';
import { db, seedGroup } from './db';
import { buildTermination, buildUpdate } from './factories';

// Times from the real clock: health counts the last hour and the last day at the time of each request.
const ago = (seconds: number) => new Date(Date.now() - seconds * 1000).toISOString();

/** A realistic fleet for `npm run dev:mock`: every state of §2 and §3 on one screen. */
export function seedFleet() {
  db.session = null;
  db.users.set('viewer', { password: 'viewer-password', role: 'viewer' });

  const k8s = (prefix: string, n: number, over: Partial<Instance> = {}): Array<Partial<Instance>> =>
    Array.from({ length: n }, (_, i) => ({
      name: `${prefix}-runner-6c9d7f-${'abcdefghijklmnopqrstuvwxyz'[i % 26]}${i >= 26 ? i : ''}`,
      platform: 'kubernetes' as const,
      hostname: `ip-10-20-${i % 4}-${10 + i}.eu-west-1.compute.internal`,
      address: `10.20.${i % 4}.${10 + i}`,
      startedAt: ago(86_400 + i * 600),
      lastHeartbeatAt: ago(2 + (i % 4)),
      ...over,
    }));

  seedGroup({ name: 'Production EU', isDefault: true, createdAt: ago(86_400 * 90) }, k8s('production-eu', 6));

  seedGroup({ name: 'Staging', createdAt: ago(86_400 * 40) }, [
    ...k8s('staging', 2, { version: '1.3.0' }),
    {
      name: 'staging-runner-6c9d7f-x',
      platform: 'kubernetes',
      version: '1.3.0',
      status: 'terminated',
      termination: buildTermination({ at: ago(1_500) }),
      lastHeartbeatAt: ago(1_805),
    },
  ]);

  seedGroup({ name: 'Build hosts (Docker)', createdAt: ago(86_400 * 12) }, [
    { name: 'paddock-runner-1.4.0', platform: 'docker', hostname: 'build-01', address: '192.168.10.21' },
    {
      name: 'quirky_turing',
      platform: 'docker',
      hostname: 'build-02',
      address: '192.168.10.22',
      status: 'disconnected',
      lastHeartbeatAt: ago(140),
      lastError: { kind: 'timeout', message: 'POST https://paddock.example.com/api/v1/runner/heartbeat: timeout after 10s', at: ago(120) },
    },
    {
      name: 'festive_hopper',
      platform: 'docker',
      hostname: 'build-03',
      address: '192.168.10.23',
      version: '1.3.0',
      status: 'terminated',
      termination: buildTermination({ exitCode: 0, reason: 'Completed', cause: 'replaced', at: ago(7_200) }),
    },
  ]);

  seedGroup({ name: 'EC2 ephemeral', createdAt: ago(86_400 * 5) }, [
    {
      name: 'ip-172-31-8-14',
      platform: 'ec2',
      hostname: 'ip-172-31-8-14',
      address: '172.31.8.14',
      status: 'terminated',
      termination: buildTermination({ exitCode: null, signal: 15, reason: null, cause: 'sigterm', at: ago(900) }),
      lastHeartbeatAt: ago(901),
    },
    {
      name: 'ip-172-31-9-77',
      platform: 'ec2',
      hostname: 'ip-172-31-9-77',
      address: '172.31.9.77',
      status: 'disconnected',
      lastHeartbeatAt: ago(3_600),
      lastError: { kind: 'key_revoked', message: 'registration key revoked or unknown', at: ago(3_590) },
    },
  ]);

  const canary = seedGroup({ name: 'Canary', createdAt: ago(86_400 * 2) }, [
    { id: 'ins_canary_1', name: 'canary-1', platform: 'process', hostname: 'dev-box', address: '127.0.0.1', version: '1.4.0' },
    { id: 'ins_canary_2', name: 'canary-2', platform: 'process', hostname: 'dev-box', address: '127.0.0.1', version: '1.3.0' },
  ]);
  db.updates.set(canary.id, [
    buildUpdate({
      groupId: canary.id,
      targetVersion: '1.4.0',
      fromVersions: ['1.3.0'],
      requestedAt: ago(40),
      instances: [
        { instanceId: 'ins_canary_1', name: 'canary-1', version: '1.4.0', state: 'updated' },
        { instanceId: 'ins_canary_2', name: 'canary-2', version: '1.3.0', state: 'updating' },
      ],
    }),
  ]);

  const legacy = seedGroup({ name: 'Legacy', createdAt: ago(86_400 * 200) }, k8s('legacy', 1, { version: '1.2.3' }));
  db.updates.set(legacy.id, [
    buildUpdate({
      groupId: legacy.id,
      state: 'rolled_back',
      targetVersion: '1.4.0',
      fromVersions: ['1.2.3'],
      requestedAt: ago(1_200),
      finishedAt: ago(900),
      reason: 'Deadline passed: legacy-runner-6c9d7f-a did not report 1.4.0 within 300 s',
      instances: [{ instanceId: 'x', name: 'legacy-runner-6c9d7f-a', version: '1.2.3', state: 'rolled_back' }],
    }),
  ]);

  seedGroup({ name: 'Big fleet', createdAt: ago(86_400 * 30) }, k8s('big-fleet', 2_000));
  seedGroup({ name: 'Data science GPU', createdAt: ago(3_600) });

  // The 3 a.m. incident of issue 15: one crashed, one was SIGKILLed and one completed within a minute.
  const farm = seedGroup({ name: 'Build farm', createdAt: ago(86_400 * 8) }, [
    { id: 'ins_farm_1', name: 'farm-1', platform: 'process', hostname: 'farm-01', address: '10.1.0.11' },
    { id: 'ins_farm_2', name: 'farm-2', platform: 'process', hostname: 'farm-02', address: '10.1.0.12', status: 'terminated', lastHeartbeatAt: ago(185), termination: buildTermination({ exitCode: 139, reason: 'Error', cause: 'crash', at: ago(180) }) },
    { id: 'ins_farm_3', name: 'farm-3', platform: 'process', hostname: 'farm-03', address: '10.1.0.13', status: 'terminated', lastHeartbeatAt: ago(175), termination: buildTermination({ exitCode: 137, reason: 'Error', cause: 'killed', at: ago(170) }) },
    { id: 'ins_farm_4', name: 'farm-4', platform: 'process', hostname: 'farm-04', address: '10.1.0.14', status: 'terminated', lastHeartbeatAt: ago(165), termination: buildTermination({ exitCode: 0, reason: 'Completed', cause: 'completed', at: ago(160) }) },
  ]);

  const actions = ['group.created', 'group.renamed', 'group.key_rotated', 'update.requested', 'update.succeeded', 'group.set_default'];
  const groups = [...db.groups.values()];
  for (let i = 0; i < 120; i++) {
    const g = groups[i % groups.length]!;
    db.audit.push({
      id: `aud_seed_${i}`,
      at: ago(i * 1_700 + 30),
      actor: i % 5 === 0 ? 'system' : i % 3 === 0 ? 'dana' : 'admin',
      action: actions[i % actions.length]!,
      groupId: g.id,
      groupName: g.name,
      detail: i % 6 === 3 ? { targetVersion: '1.4.0' } : i % 6 === 1 ? { from: `${g.name} (old)`, to: g.name } : {},
    });
  }
  const lifecycle = (at: number, action: string, detail: Record<string, unknown>) =>
    db.audit.push({ id: `aud_life_${at}`, at: ago(at), actor: 'system', action, groupId: farm.id, groupName: farm.name, detail });
  lifecycle(3_600, 'instance.registered', { instanceId: 'ins_farm_2', instanceName: 'farm-2', version: '1.4.0', platform: 'process' });
  lifecycle(180, 'instance.ended', { instanceId: 'ins_farm_2', instanceName: 'farm-2', cause: 'crash', exitCode: 139, signal: null, reason: 'Error' });
  lifecycle(170, 'instance.ended', { instanceId: 'ins_farm_3', instanceName: 'farm-3', cause: 'killed', exitCode: 137, signal: null, reason: 'Error' });
  lifecycle(160, 'instance.ended', { instanceId: 'ins_farm_4', instanceName: 'farm-4', cause: 'completed', exitCode: 0, signal: null, reason: 'Completed' });
  db.audit.sort((a, b) => b.at.localeCompare(a.at));
}

/** Moves running updates forward one instance at a time, so dev:mock shows progress and success. */
export function advanceUpdates() {
  for (const [groupId, updates] of db.updates) {
    const u = updates.find((x) => x.state === 'in_progress');
    if (!u) continue;
    const next = u.instances.find((i) => i.state !== 'updated');
    if (!next) {
      u.state = 'succeeded';
      u.finishedAt = new Date().toISOString();
      continue;
    }
    if (next.state === 'pending') next.state = 'updating';
    else {
      next.state = 'updated';
      next.version = u.targetVersion;
      const inst = db.instances.get(groupId)?.find((i) => i.id === next.instanceId);
      if (inst) inst.version = u.targetVersion;
    }
  }
  for (const list of db.instances.values()) {
    for (const i of list) if (i.status === 'connected') i.lastHeartbeatAt = new Date().toISOString();
  }
}
