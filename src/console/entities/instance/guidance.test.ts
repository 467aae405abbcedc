import { describe, expect, it } from 'vitest';
import { classifyTermination, type Instance, type TerminationCause } from '../../../contract';
import { ago, buildGroup, buildInstance, buildTermination, buildUpdate } from '../../testing/factories';
import {
  disconnectedGuide,
  firewallRule,
  formatGap,
  type Guide,
  guidesFor,
  howItEndedGuide,
  lastErrorAdvice,
  recoveredFromLastError,
  serverEndpoint,
  upgradeFailureGuide,
} from './guidance';

const ctx = { serverUrl: 'https://paddock.example.com' };
const group = buildGroup({ name: 'Prod EU', instanceCount: 1 });

const commands = (g: Guide | null) => (g?.blocks ?? []).flatMap((b) => (b.kind === 'command' ? [b.command] : []));
const texts = (g: Guide | null) => (g?.blocks ?? []).map((b) => (b.kind === 'command' ? b.command : b.text)).join('\n');

describe('serverEndpoint', () => {
  it.each([
    ['https://paddock.example.com', 'paddock.example.com', 443, 'HTTPS'],
    ['https://paddock.example.com:8443/', 'paddock.example.com', 8443, 'HTTPS'],
    ['http://127.0.0.1:8080', '127.0.0.1', 8080, 'HTTP'],
    ['http://paddock.local', 'paddock.local', 80, 'HTTP'],
  ])('%s', (url, host, port, protocol) => {
    expect(serverEndpoint(url)).toEqual({ host, port, protocol });
  });
});

describe('firewallRule', () => {
  it.each([
    ['https://paddock.example.com', 'Outbound HTTPS 443 to https://paddock.example.com must be allowed'],
    // The URL's own scheme and port (PRODUCT.md §3 round 2 "Words fit the platform").
    ['https://paddock.example.com:8443', 'Outbound HTTPS 8443 to https://paddock.example.com:8443 must be allowed'],
    ['http://127.0.0.1:8080', 'Outbound HTTP 8080 to http://127.0.0.1:8080 must be allowed'],
  ])('%s', (url, rule) => {
    expect(firewallRule(url)).toBe(rule);
  });
});

describe('Runner disconnected', () => {
  const disconnected = (over: Partial<Instance>) => buildInstance({ status: 'disconnected', lastHeartbeatAt: ago(60), ...over });

  it.each([
    ['dns', 'DNS: the runner could not resolve paddock.example.com'],
    ['tls', 'TLS: the secure connection to https://paddock.example.com failed'],
    ['timeout', 'likely a firewall. Outbound HTTPS 443 to https://paddock.example.com must be allowed'],
    ['key_revoked', 'Key revoked or unknown'],
    ['group_deleted', 'Group deleted'],
    ['version_too_old', 'Version too old'],
    ['other', 'The runner reported an error'],
  ] as const)('last error %s → %s', (kind, advice) => {
    expect(lastErrorAdvice(kind, ctx.serverUrl)).toContain(advice);
    const guide = disconnectedGuide(group, disconnected({ lastError: { kind, message: `boom ${kind}`, at: ago(61) } }), ctx);
    expect(guide?.heading).toBe('Runner disconnected');
    expect(texts(guide)).toContain(advice);
    expect(guide?.blocks).toContainEqual({ kind: 'logline', text: `Last error (${kind}): boom ${kind}` });
  });

  it('the message of an "other" error is quoted above the advice, and the advice says so', () => {
    const guide = disconnectedGuide(group, disconnected({ lastError: { kind: 'other', message: 'socket hang up', at: ago(61) } }), ctx);
    const blocks = guide?.blocks ?? [];
    const message = blocks.findIndex((b) => b.kind === 'logline' && b.text === 'Last error (other): socket hang up');
    const advice = blocks.findIndex((b) => b.kind === 'text' && b.text.startsWith('The runner reported an error'));
    expect(message).toBeGreaterThanOrEqual(0);
    expect(advice).toBe(message + 1);
    expect(texts(guide)).toContain('the message above');
    expect(texts(guide)).not.toMatch(/below/);
  });

  // The runner reports an error in the first heartbeat that gets through after it (agent.ts), so an
  // error that caused the silence is within about one interval of the last heartbeat; one that is
  // more than two intervals (10 s) older was followed by heartbeats: the runner recovered from it.
  it.each([
    ['reported in the last heartbeat', 61, 60, false],
    ['one interval before the last heartbeat', 65, 60, false],
    ['exactly two intervals before it', 70, 60, false],
    ['just over two intervals before it', 71, 60, true],
    ['minutes before it (ECONNREFUSED in a restart, then heartbeats, then SIGKILL)', 300, 60, true],
    ['after the last heartbeat (clock skew)', 50, 60, false],
  ] as const)('an error %s: recovered = %s', (_label, errorAgo, heartbeatAgo, recovered) => {
    const instance = disconnected({
      lastHeartbeatAt: ago(heartbeatAgo),
      lastError: { kind: 'other', message: 'connect ECONNREFUSED 127.0.0.1:8080', at: ago(errorAgo) },
    });
    expect(recoveredFromLastError(instance)).toBe(recovered);
    const guide = disconnectedGuide(group, instance, ctx);
    const lines = (guide?.blocks ?? []).flatMap((b) => (b.kind === 'logline' ? [b.text] : []));
    if (recovered) {
      expect(lines).toEqual(['Earlier error (other), recovered: connect ECONNREFUSED 127.0.0.1:8080']);
      expect(texts(guide)).toContain('reported no error before it went quiet');
      expect(texts(guide)).toContain(`kept sending heartbeats for ${formatGap((errorAgo - heartbeatAgo) * 1000)} afterwards, so that error is not why it went quiet`);
      expect(texts(guide)).not.toContain('The runner reported an error talking to the control plane');
    } else {
      expect(lines).toEqual(['Last error (other): connect ECONNREFUSED 127.0.0.1:8080']);
      expect(texts(guide)).not.toContain('reported no error');
      expect(texts(guide)).not.toContain('recovered');
    }
  });

  it.each([
    // The runner's clock 5 min behind: by its own `at` the error looks old, but it arrived with the last heartbeat.
    ['a runner clock running behind', 360, 61, false],
    // The runner's clock ahead: by `at` the error is in the future, but it arrived minutes before the last heartbeat.
    ['a runner clock running ahead', -100, 300, true],
  ] as const)('with %s, the control plane\'s reportedAt decides: recovered = %s', (_label, errorAgo, reportedAgo, recovered) => {
    const instance = disconnected({
      lastHeartbeatAt: ago(60),
      lastError: { kind: 'timeout', message: 'POST /heartbeat timed out', at: ago(errorAgo), reportedAt: ago(reportedAgo) },
    });
    expect(recoveredFromLastError(instance)).toBe(recovered);
    if (recovered) expect(texts(disconnectedGuide(group, instance, ctx))).toContain(`kept sending heartbeats for ${formatGap((reportedAgo - 60) * 1000)} afterwards`);
  });

  it('a recovered timeout is not offered as the firewall cause, and the firewall rule is still named', () => {
    const guide = disconnectedGuide(
      group,
      disconnected({ lastHeartbeatAt: ago(60), lastError: { kind: 'timeout', message: 'POST /heartbeat timed out', at: ago(600) } }),
      ctx,
    );
    expect(texts(guide)).not.toContain('Timeout: the network to the control plane is down');
    expect(texts(guide)).toContain("Outbound HTTPS 443 to https://paddock.example.com must be allowed from the runner's host");
  });

  it.each([
    [0, '0 s'],
    [11_000, '11 s'],
    [60_000, '1 min'],
    [200_000, '3 min 20 s'],
    [3_600_000, '1 h'],
    [7_500_000, '2 h 5 min'],
    [3 * 86_400_000, '3 days'],
  ])('formatGap(%i) = %s', (ms, out) => {
    expect(formatGap(ms)).toBe(out);
  });

  it('without a record says no exit is recorded yet, that it may still come back, and when it would read Lost', () => {
    const guide = disconnectedGuide(group, disconnected({ name: 'edge-1', lastError: null }), ctx);
    expect(guide?.summary).toMatch(/^No exit recorded yet: /);
    expect(guide?.summary).toContain('edge-1 missed its heartbeats to paddock.example.com and may still come back');
    expect(guide?.summary).toContain('it is recorded as Lost');
  });

  it('without a reported error still names outbound HTTPS 443 to the server URL', () => {
    const guide = disconnectedGuide(group, disconnected({ lastError: null }), ctx);
    expect(texts(guide)).toContain('reported no error');
    expect(texts(guide)).toContain("Outbound HTTPS 443 to https://paddock.example.com must be allowed from the runner's host");
    expect(commands(guide)).toContain("curl -sS -o /dev/null -w '%{http_code}\\n' https://paddock.example.com/api/v1/healthz");
  });

  it.each([
    ['docker', 1, { name: 'quirky_turing' }, ['docker logs quirky_turing', 'docker ps -a --filter label=paddock.runner-group=prod-eu']],
    ['kubernetes', 1, { name: 'prod-eu-runner-7d9f-abcde' }, ['kubectl logs deployment/prod-eu-runner -n paddock']],
    [
      'kubernetes',
      3,
      { name: 'prod-eu-runner-7d9f-abcde' },
      ['kubectl logs deployment/prod-eu-runner -n paddock', 'kubectl get pods -l app=prod-eu-runner -n paddock', 'kubectl logs prod-eu-runner-7d9f-abcde -n paddock'],
    ],
    ['ec2', 1, { hostname: 'ip-10-42-0-12' }, ['sudo docker ps -a --filter label=paddock.stack', 'sudo docker logs <container>']],
  ] as const)('%s with %i instance(s): log commands with the group\'s names', (platform, count, over, expected) => {
    const guide = disconnectedGuide({ ...group, instanceCount: count }, disconnected({ platform, ...over }), ctx);
    for (const c of expected) expect(commands(guide)).toContain(c);
    if (count === 1) expect(commands(guide).some((c) => c.startsWith('kubectl get pods'))).toBe(false);
  });

  it('a runner started by hand (process) gets process words only: no container, pod or cgroup', () => {
    const guide = disconnectedGuide({ ...group, instanceCount: 1 }, disconnected({ platform: 'process', name: 'edge-1' }), ctx);
    expect(texts(guide)).toContain('npm run runner');
    expect(commands(guide)).toContain('pgrep -af src/runner/cli.ts');
    expect(`${texts(guide)} ${commands(guide).join(' ')}`).not.toMatch(/container|pod|cgroup|docker|kubectl/i);
  });

  it('uses the namespace it is given', () => {
    const guide = disconnectedGuide(group, disconnected({ platform: 'kubernetes' }), { ...ctx, namespace: 'ci' });
    expect(commands(guide)).toContain('kubectl logs deployment/prod-eu-runner -n ci');
  });

  it('quotes odd container names', () => {
    expect(commands(disconnectedGuide(group, disconnected({ platform: 'docker', name: "a b'c" }), ctx))).toContain("docker logs 'a b'\\''c'");
  });

  it('applies to a disconnected instance the control plane recorded as lost, and How it ended stays quiet', () => {
    const instance = disconnected({ termination: buildTermination({ exitCode: null, signal: null, reason: null, cause: 'lost' }) });
    expect(guidesFor(group, instance, [], ctx).map((g) => g.heading)).toEqual(['Runner disconnected']);
  });

  it.each([
    ['connected', { status: 'connected' as const }],
    ['terminated', { status: 'terminated' as const, termination: buildTermination() }],
    ['stopped (SIGTERM goodbye)', { status: 'disconnected' as const, termination: buildTermination({ exitCode: null, signal: 15, reason: null, cause: 'sigterm' }) }],
  ])('does not apply to a %s instance', (_label, over) => {
    expect(disconnectedGuide(group, buildInstance(over), ctx)).toBeNull();
  });
});

describe('Runner upgrade failure', () => {
  const instance = buildInstance({ id: 'ins_1', name: 'quirky_turing', platform: 'docker', version: '1.3.0' });
  const rolledBack = buildUpdate({
    state: 'rolled_back',
    targetVersion: '1.4.0',
    reason: 'Deadline passed: quirky_turing did not report 1.4.0 within 300 s',
    instances: [{ instanceId: 'ins_1', name: 'quirky_turing', version: '1.3.0', state: 'rolled_back' }],
  });

  it('Docker: the two log messages with the target version, then that container', () => {
    const guide = upgradeFailureGuide(group, instance, [rolledBack], ctx);
    expect(guide?.heading).toBe('Runner upgrade failure');
    expect(guide?.summary).toBe('The update to 1.4.0 was rolled back.');
    expect(guide?.blocks).toContainEqual({ kind: 'logline', text: rolledBack.reason });
    expect(guide?.blocks).toContainEqual({
      kind: 'logline',
      text: 'Creating new container with name: paddock-runner-1.4.0 and configuration from container with id: …',
    });
    expect(guide?.blocks).toContainEqual({ kind: 'logline', text: 'Found existing container with name: paddock-runner-1.4.0 already running with id: …' });
    expect(texts(guide)).toContain('Docker does not use an operator');
    expect(commands(guide)).toEqual(
      expect.arrayContaining([
        "docker logs quirky_turing 2>&1 | grep -E 'Creating new container|Found existing container'",
        'docker logs paddock-runner-1.4.0',
      ]),
    );
    expect(texts(guide)).toContain('trigger Update again from the console');
  });

  it('Kubernetes: the operator rolls back after 5 minutes; running → wait; not running → wait a minute, check, delete', () => {
    const pod = { ...instance, platform: 'kubernetes' as const, name: 'prod-eu-runner-7d9f-abcde' };
    const guide = upgradeFailureGuide(group, pod, [rolledBack], ctx);
    const all = texts(guide);
    expect(all).toContain('rolls the Deployment back automatically when the new pods are not ready within 5 minutes');
    expect(all).toContain('If it is Running, wait');
    expect(all).toContain('If it exists but is not running, wait one minute and check again. If it is still not running, delete it');
    expect(commands(guide)).toEqual(
      expect.arrayContaining(['kubectl get pods -l app=prod-eu-runner-operator -n paddock', 'kubectl delete pod <operator-pod> -n paddock']),
    );
    expect(all.indexOf('trigger Update again')).toBeGreaterThan(all.indexOf('kubectl delete pod'));
    expect(all).not.toContain('Creating new container');
  });

  it('a runner started by hand (process): its own log lines, without containers or pods', () => {
    const guide = upgradeFailureGuide(group, { ...instance, platform: 'process' }, [rolledBack], ctx);
    const all = texts(guide);
    expect(all).toContain('The runner process starts its replacement itself');
    expect(`${all} ${commands(guide).join(' ')}`).not.toMatch(/container|pod|cgroup|kubectl/i);
  });

  it.each([
    ['no updates', []],
    ['a succeeded update', [buildUpdate({ state: 'succeeded', instances: [{ instanceId: 'ins_1', name: 'x', version: '1.4.0', state: 'updated' }] })]],
    [
      'an older rollback followed by a successful update',
      [
        buildUpdate({ state: 'succeeded', instances: [{ instanceId: 'ins_1', name: 'x', version: '1.5.0', state: 'updated' }] }),
        buildUpdate({ state: 'rolled_back', instances: [{ instanceId: 'ins_1', name: 'x', version: '1.3.0', state: 'rolled_back' }] }),
      ],
    ],
    ['a rollback of other instances', [buildUpdate({ state: 'rolled_back', instances: [{ instanceId: 'other', name: 'y', version: '1.3.0', state: 'rolled_back' }] })]],
  ])('does not apply with %s', (_label, updates) => {
    expect(upgradeFailureGuide(group, instance, updates, ctx)).toBeNull();
  });

  it('applies while an update is running but failed on this instance', () => {
    const running = buildUpdate({ state: 'in_progress', targetVersion: '1.4.0', instances: [{ instanceId: 'ins_1', name: 'q', version: '1.3.0', state: 'failed' }] });
    expect(upgradeFailureGuide(group, instance, [running], ctx)?.summary).toBe('The update to 1.4.0 failed on quirky_turing.');
  });
});

describe('How it ended', () => {
  // Every row of PRODUCT.md §2's table, classified by the contract, with its next step.
  it.each([
    [0, null, 'Completed', 'completed', 'Clean exit', 'Nothing to fix'],
    [137, null, 'OOMKilled', 'oom_killed', 'Host out of memory', 'config.container.limit_memory'],
    [137, null, 'Error', 'killed', 'Killed inside the guest', "dmesg -T | grep -i -E 'killed process|out of memory'"],
    [null, 15, null, 'sigterm', 'SIGTERM: the pod was deleted', 'kubectl get events -n paddock --field-selector involvedObject.name=prod-eu-runner-x'],
    [139, null, 'Error', 'crash', 'Crash (segfault or abort)', 'kubectl logs deployment/prod-eu-runner -n paddock'],
    [null, null, null, 'lost', 'Lost: no exit was recorded', 'kubectl get nodes'],
    [null, null, 'Evicted', 'evicted', 'Evicted: the node ran short of memory or disk', 'helm upgrade prod-eu <chart> -n paddock --reuse-values --set requests.memory="512Mi"'],
    [null, null, 'DeadlineExceeded', 'deadline_exceeded', 'Deadline exceeded: the pod ran longer than its activeDeadlineSeconds', 'DEADLINE:.spec.activeDeadlineSeconds'],
    [null, null, 'Preempted', 'preempted', 'Preempted: the node was reclaimed (spot)', 'kubectl create poddisruptionbudget prod-eu-runner -n paddock'],
  ] as const)('exit %s signal %s reason %s → %s', (exitCode, signal, reason, cause, summary, step) => {
    expect(classifyTermination(exitCode, signal, reason)).toBe(cause);
    const instance = buildInstance({
      name: 'prod-eu-runner-x',
      platform: 'kubernetes',
      status: 'terminated',
      termination: buildTermination({ exitCode, signal, reason, cause: cause as TerminationCause }),
    });
    const guide = howItEndedGuide(group, instance, ctx);
    expect(guide?.heading).toBe('How it ended');
    expect(guide?.summary).toContain(summary);
    // The cause is named once ("SIGTERM: the pod…", not "SIGTERM: SIGTERM: …").
    expect(guide?.summary).not.toMatch(/^(\w+): \1/);
    expect(texts(guide)).toContain(step);
    expect(guide?.blocks[0]).toEqual({
      kind: 'logline',
      text: [exitCode === null ? null : `exit code ${exitCode}`, signal === 15 ? 'signal 15 (SIGTERM)' : null, reason ? `reason ${reason}` : null].filter(Boolean).join(', ') || 'no exit recorded',
    });
  });

  it('OOM on Kubernetes names the chart to upgrade when it is known', () => {
    const instance = buildInstance({ platform: 'kubernetes', status: 'terminated', termination: buildTermination() });
    const guide = howItEndedGuide(group, instance, { ...ctx, helmChart: 'oci://ghcr.io/paddock/charts/paddock-runner' });
    expect(commands(guide)).toEqual([
      'helm upgrade prod-eu oci://ghcr.io/paddock/charts/paddock-runner -n paddock --reuse-values --set config.container.limit_memory="2Gi"',
    ]);
  });

  it("a container's end its restarted run read from the engine says so", () => {
    const instance = buildInstance({
      platform: 'docker',
      status: 'terminated',
      termination: buildTermination({ exitCode: 137, signal: null, reason: 'Error', cause: 'killed', observedBy: 'engine' }),
    });
    expect(howItEndedGuide(group, instance, ctx)?.blocks[0]).toEqual({
      kind: 'logline',
      text: "exit code 137, reason Error (recorded from the Docker engine's events when the container restarted)",
    });
  });

  it('pod-level ends (the reconciler records them) say what to look at and what to change', () => {
    const ended = (cause: TerminationCause, reason: string) =>
      howItEndedGuide(
        group,
        buildInstance({ name: 'prod-eu-runner-7c9d-ev1ct', platform: 'kubernetes', status: 'terminated', termination: buildTermination({ exitCode: null, signal: null, reason, cause, observedBy: 'reconciler' }) }),
        { ...ctx, namespace: 'ci', helmChart: 'oci://ghcr.io/paddock/charts/paddock-runner' },
      );
    const evicted = ended('evicted', 'Evicted');
    expect(texts(evicted)).toMatch(/requests to what it really uses/);
    expect(commands(evicted)).toEqual([
      'kubectl get events -n ci --field-selector involvedObject.name=prod-eu-runner-7c9d-ev1ct,reason=Evicted',
      `kubectl get nodes -o custom-columns='NAME:.metadata.name,MEMORY:.status.conditions[?(@.type=="MemoryPressure")].status,DISK:.status.conditions[?(@.type=="DiskPressure")].status'`,
      'helm upgrade prod-eu oci://ghcr.io/paddock/charts/paddock-runner -n ci --reuse-values --set requests.memory="512Mi"',
    ]);
    expect(evicted?.blocks[0]).toEqual({ kind: 'logline', text: 'reason Evicted (recorded by the Kubernetes reconciler)' });
    const deadline = ended('deadline_exceeded', 'DeadlineExceeded');
    expect(texts(deadline)).toMatch(/Raise activeDeadlineSeconds/);
    expect(commands(deadline)).toEqual([
      "kubectl get pods -l app=prod-eu-runner -n ci -o custom-columns='NAME:.metadata.name,DEADLINE:.spec.activeDeadlineSeconds'",
    ]);
    const preempted = ended('preempted', 'Preempted');
    expect(texts(preempted)).toMatch(/spot.*PriorityClass.*PodDisruptionBudget/s);
    expect(commands(preempted)).toEqual([
      'kubectl get events -n ci --field-selector involvedObject.name=prod-eu-runner-7c9d-ev1ct',
      'kubectl create poddisruptionbudget prod-eu-runner -n ci --selector=app=prod-eu-runner --max-unavailable=1',
    ]);
  });

  it('a terminated instance without a record was lost', () => {
    const guide = howItEndedGuide(group, buildInstance({ status: 'terminated', termination: null }), ctx);
    expect(guide?.summary).toContain('Lost');
    expect(guide?.blocks[0]).toEqual({ kind: 'logline', text: 'no exit recorded' });
  });

  it('replaced by update needs nothing', () => {
    const guide = howItEndedGuide(group, buildInstance({ status: 'terminated', termination: buildTermination({ exitCode: 0, reason: 'Replaced', cause: 'replaced' }) }), ctx);
    expect(guide?.summary).toBe('Replaced by update.');
    expect(texts(guide)).toContain('Nothing to fix');
  });

  it('does not apply to a live instance', () => {
    expect(howItEndedGuide(group, buildInstance(), ctx)).toBeNull();
  });
});

describe('guidesFor', () => {
  it('a runner stopped with SIGTERM shows only how it ended', () => {
    const instance = buildInstance({ status: 'disconnected', termination: buildTermination({ exitCode: null, signal: 15, reason: null, cause: 'sigterm' }) });
    expect(guidesFor(group, instance, [], ctx).map((g) => g.heading)).toEqual(['How it ended']);
  });

  it('a connected instance needs no guidance', () => {
    expect(guidesFor(group, buildInstance(), [], ctx)).toEqual([]);
  });

  it('a replaced runner of a rolled-back update gets the upgrade failure first, then how it ended', () => {
    const instance = buildInstance({ id: 'i9', status: 'terminated', termination: buildTermination({ cause: 'crash', exitCode: 1, reason: 'Error' }) });
    const update = buildUpdate({ state: 'rolled_back', instances: [{ instanceId: 'i9', name: 'x', version: '1.3.0', state: 'failed' }] });
    expect(guidesFor(group, instance, [update], ctx).map((g) => g.heading)).toEqual(['Runner upgrade failure', 'How it ended']);
  });
});
