import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { ReactNode } from 'react';
import { describe, expect, it } from 'vitest';
import { causeText, type TerminationCause } from '../../../../contract';
import { ago, buildGroup, buildInstance, buildTermination, buildUpdate, factoryNow } from '../../../testing/factories';
import { FleetHealthStrip } from './fleet-health-strip';
import { TroubleshootingPanel } from './troubleshooting-panel';

function renderWithQuery(ui: ReactNode) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return { user: userEvent.setup(), ...render(<QueryClientProvider client={client}>{ui}</QueryClientProvider>) };
}

const group = buildGroup({ name: 'Prod EU', instanceCount: 3, connectedCount: 2 });

/** All commands shown, as text. */
function shownCommands() {
  return Array.from(document.querySelectorAll('code')).map((c) => c.textContent);
}

describe('TroubleshootingPanel', () => {
  it('Runner disconnected: the last error, outbound HTTPS 443 to the server URL, and Docker logs of this container', async () => {
    const instance = buildInstance({
      name: 'quirky_turing',
      platform: 'docker',
      status: 'disconnected',
      // Reported with its last heartbeat: the error is why it went quiet.
      lastHeartbeatAt: ago(28),
      lastError: { kind: 'timeout', message: 'POST /api/v1/runner/heartbeat timed out after 10s', at: ago(30) },
    });
    const { user } = renderWithQuery(<TroubleshootingPanel group={group} instance={instance} />);
    const section = screen.getByRole('region', { name: 'Runner disconnected' });
    expect(within(section).getByText('Last error (timeout): POST /api/v1/runner/heartbeat timed out after 10s')).toBeVisible();
    expect(within(section).getByText(/^No exit recorded yet: quirky_turing missed its heartbeats/)).toBeVisible();
    // The server URL comes from the install template once it has loaded.
    expect(
      await within(section).findByText(/Outbound HTTPS 443 to https:\/\/paddock\.example\.com must be allowed/),
    ).toBeVisible();
    expect(shownCommands()).toContain('docker logs quirky_turing');
    await user.click(within(section).getByRole('button', { name: 'Copy Container logs' }));
    expect(await navigator.clipboard.readText()).toBe('docker logs quirky_turing');
    expect(within(section).getByRole('button', { name: 'Copy Container logs' })).toHaveTextContent('Copied');
  });

  it('Runner disconnected on Kubernetes with several replicas: deployment logs, then pod by pod', () => {
    const instance = buildInstance({ name: 'prod-eu-runner-7d9f-abcde', platform: 'kubernetes', status: 'disconnected' });
    renderWithQuery(<TroubleshootingPanel group={group} instance={instance} />);
    expect(screen.getByRole('heading', { name: 'Runner disconnected' })).toBeVisible();
    expect(shownCommands()).toEqual(
      expect.arrayContaining([
        'kubectl logs deployment/prod-eu-runner -n paddock',
        'kubectl get pods -l app=prod-eu-runner -n paddock',
        'kubectl logs prod-eu-runner-7d9f-abcde -n paddock',
      ]),
    );
  });

  it('Runner upgrade failure on Docker: the rollback reason and the two log messages to search for', () => {
    const instance = buildInstance({ id: 'ins_u', name: 'quirky_turing', platform: 'docker', version: '1.3.0' });
    const update = buildUpdate({
      state: 'rolled_back',
      targetVersion: '1.4.0',
      reason: 'quirky_turing reported: replacement exited with code 1',
      instances: [{ instanceId: 'ins_u', name: 'quirky_turing', version: '1.3.0', state: 'failed' }],
    });
    renderWithQuery(<TroubleshootingPanel group={group} instance={instance} updates={[update]} />);
    const section = screen.getByRole('region', { name: 'Runner upgrade failure' });
    expect(within(section).getByText('quirky_turing reported: replacement exited with code 1')).toBeVisible();
    expect(
      within(section).getByText('Creating new container with name: paddock-runner-1.4.0 and configuration from container with id: …'),
    ).toBeVisible();
    expect(within(section).getByText('Found existing container with name: paddock-runner-1.4.0 already running with id: …')).toBeVisible();
    expect(within(section).getByText(/trigger Update again from the console/)).toBeVisible();
  });

  it('Runner upgrade failure on Kubernetes: the operator, wait, then delete it', () => {
    const instance = buildInstance({ id: 'ins_k', name: 'prod-eu-runner-x', platform: 'kubernetes' });
    const update = buildUpdate({ state: 'rolled_back', instances: [{ instanceId: 'ins_k', name: 'x', version: '1.3.0', state: 'rolled_back' }] });
    renderWithQuery(<TroubleshootingPanel group={group} instance={instance} updates={[update]} />);
    const section = screen.getByRole('region', { name: 'Runner upgrade failure' });
    expect(within(section).getByText(/rolls the Deployment back automatically when the new pods are not ready within 5 minutes/)).toBeVisible();
    expect(within(section).getByText('If it is Running, wait: it finishes by itself within 5 minutes of the update.')).toBeVisible();
    expect(shownCommands()).toEqual(expect.arrayContaining(['kubectl get pods -l app=prod-eu-runner-operator -n paddock', 'kubectl delete pod <operator-pod> -n paddock']));
  });

  it.each([
    ['oom_killed', 137, null, 'OOMKilled', 'OOMKilled: Host out of memory: the container hit its memory limit (raise limit_memory).'],
    ['sigterm', null, 15, null, 'SIGTERM: the pod was deleted or the node drained, or the runner was stopped.'],
    ['lost', null, null, null, 'Lost: no exit was recorded, so the host or node was killed hard or the network dropped.'],
  ] as const)('How it ended: %s with its next step', (cause, exitCode, signal, reason, summary) => {
    const instance = buildInstance({
      name: 'prod-eu-runner-y',
      platform: 'kubernetes',
      status: 'terminated',
      termination: buildTermination({ cause: cause as TerminationCause, exitCode, signal, reason }),
    });
    renderWithQuery(<TroubleshootingPanel group={group} instance={instance} />);
    const section = screen.getByRole('region', { name: 'How it ended' });
    expect(within(section).getByText(summary)).toBeVisible();
    expect(screen.queryByRole('region', { name: 'Runner disconnected' })).not.toBeInTheDocument();
  });

  it.each([
    [
      'evicted',
      'Evicted',
      'Evicted: the node ran short of memory or disk and the kubelet evicted the pod.',
      /starting with pods using more than they requested/,
      'kubectl get events -n paddock --field-selector involvedObject.name=prod-eu-runner-7c9d-ev1ct,reason=Evicted',
    ],
    [
      'deadline_exceeded',
      'DeadlineExceeded',
      'Deadline exceeded: the pod ran longer than its activeDeadlineSeconds.',
      /Raise activeDeadlineSeconds in the pod spec/,
      "kubectl get pods -l app=prod-eu-runner -n paddock -o custom-columns='NAME:.metadata.name,DEADLINE:.spec.activeDeadlineSeconds'",
    ],
    [
      'preempted',
      'Preempted',
      'Preempted: the node was reclaimed (spot) or the pod was preempted.',
      /off spot nodes.*PriorityClass.*PodDisruptionBudget/,
      'kubectl create poddisruptionbudget prod-eu-runner -n paddock --selector=app=prod-eu-runner --max-unavailable=1',
    ],
  ] as const)('How it ended: %s, recorded by the reconciler, with what to do next', (cause, reason, summary, advice, step) => {
    const instance = buildInstance({
      name: 'prod-eu-runner-7c9d-ev1ct',
      platform: 'kubernetes',
      status: 'terminated',
      termination: buildTermination({ cause, exitCode: null, signal: null, reason, observedBy: 'reconciler' }),
    });
    renderWithQuery(<TroubleshootingPanel group={group} instance={instance} />);
    const section = screen.getByRole('region', { name: 'How it ended' });
    expect(within(section).getByText(summary)).toBeVisible();
    expect(within(section).getByText(`reason ${reason} (recorded by the Kubernetes reconciler)`)).toBeVisible();
    expect(within(section).getByText(advice)).toBeVisible();
    expect(shownCommands()).toContain(step);
  });

  it('says there is nothing to troubleshoot for a connected runner', () => {
    renderWithQuery(<TroubleshootingPanel group={group} instance={buildInstance({ name: 'ok-runner' })} />);
    expect(screen.getByText('ok-runner is connected: nothing to troubleshoot.')).toBeVisible();
    expect(screen.queryByRole('heading')).not.toBeInTheDocument();
  });

  it('shows names with markup as text', () => {
    const instance = buildInstance({ name: '<img src=x onerror=alert(1)>', platform: 'docker', status: 'disconnected' });
    renderWithQuery(<TroubleshootingPanel group={group} instance={instance} />);
    expect(document.querySelector('img')).toBeNull();
    expect(shownCommands()).toContain("docker logs '<img src=x onerror=alert(1)>'");
  });
});

describe('FleetHealthStrip', () => {
  const ended = (cause: TerminationCause, secondsAgo: number) =>
    buildInstance({ status: 'terminated', termination: buildTermination({ cause, at: ago(secondsAgo) }) });

  it('counts how runners ended this week, trouble first-class', () => {
    const instances = [ended('oom_killed', 3600), ended('oom_killed', 86_400), ended('oom_killed', 5 * 86_400), ended('sigterm', 60), ended('crash', 9 * 86_400), buildInstance()];
    renderWithQuery(<FleetHealthStrip instances={instances} now={factoryNow} />);
    const strip = screen.getByRole('region', { name: 'How runners ended this week' });
    const items = within(strip).getAllByRole('listitem').map((li) => li.textContent);
    expect(items).toEqual(['3 OOMKilled', '1 SIGTERM']);
    expect(within(strip).getByRole('button', { name: '3 OOMKilled' })).toHaveAttribute('title', causeText.oom_killed);
  });

  it('each count is a filter button: pressing it picks that cause, pressing it again clears it', async () => {
    const picked: string[] = [];
    const instances = [ended('oom_killed', 60), ended('sigterm', 60)];
    const { rerender } = renderWithQuery(<FleetHealthStrip instances={instances} now={factoryNow} onCauseChange={(c) => picked.push(c)} />);
    await userEvent.click(screen.getByRole('button', { name: '1 OOMKilled' }));
    rerender(<FleetHealthStrip instances={instances} now={factoryNow} cause="oom_killed" onCauseChange={(c) => picked.push(c)} />);
    expect(screen.getByRole('button', { name: '1 OOMKilled' })).toHaveAttribute('aria-pressed', 'true');
    expect(screen.getByRole('button', { name: '1 SIGTERM' })).toHaveAttribute('aria-pressed', 'false');
    await userEvent.click(screen.getByRole('button', { name: '1 OOMKilled' }));
    expect(picked).toEqual(['oom_killed', 'all']);
  });

  it('never says no runner ended beside runners that went quiet', () => {
    renderWithQuery(<FleetHealthStrip instances={[buildInstance({ status: 'disconnected' })]} now={factoryNow} />);
    expect(screen.queryByText(/No runner ended/)).toBeNull();
    expect(screen.getByText(/1 disconnected runner has not said how it ended yet/)).toBeVisible();
  });

  it('counts evictions, deadlines and preemptions as trouble, by their names', () => {
    const instances = [ended('evicted', 60), ended('evicted', 120), ended('deadline_exceeded', 60), ended('preempted', 60), ended('completed', 60)];
    renderWithQuery(<FleetHealthStrip instances={instances} now={factoryNow} />);
    const strip = screen.getByRole('region', { name: 'How runners ended this week' });
    const items = within(strip).getAllByRole('listitem');
    expect(items.map((li) => li.textContent)).toEqual(['2 Evicted', '1 Completed', '1 Deadline exceeded', '1 Preempted']);
    expect(within(items[0]!).getByRole('button')).toHaveAttribute('title', 'Evicted: the node ran short of memory or disk and the kubelet evicted the pod');
  });

  it('says so when no runner ended', () => {
    renderWithQuery(<FleetHealthStrip instances={[buildInstance()]} now={factoryNow} />);
    expect(screen.getByText('No runner ended this week.')).toBeVisible();
  });
});
