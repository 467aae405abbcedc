import type { ContainerState, ContainerStatus, Pod, PodCondition } from '../pod';

// Pod objects shaped as the Kubernetes API serves them (core/v1, JSON), for the rows of PRODUCT.md §11.
// The API server sets uid and resourceVersion when the fake stores them.

const started = '2026-03-01T11:00:00Z';
const finished = '2026-03-01T11:58:41Z';
const image = 'ghcr.io/paddock/runner:1.4.0';
const imageID = 'ghcr.io/paddock/runner@sha256:4b1f0c1d2e3f405162738495a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f';

const condition = (type: string, status: PodCondition['status'], extra: Partial<PodCondition> = {}): PodCondition => ({
  type,
  status,
  lastProbeTime: null,
  lastTransitionTime: started,
  ...extra,
} as PodCondition);

/** The container status kubelet writes for a container in `state` (and, after a restart, `lastState`). */
export function containerStatus(name: string, state: ContainerState, lastState: ContainerState = {}, restartCount = 0): ContainerStatus {
  return {
    name,
    state,
    lastState,
    ready: Boolean(state.running),
    restartCount,
    image,
    imageID,
    containerID: 'containerd://9a3c1e6f0b8d2a4c7e5f1b3d9a0c2e4f6b8d0a1c3e5f7b9d1a3c5e7f9b1d3a5c',
    started: Boolean(state.running),
  } as ContainerStatus;
}

/** A terminated container state as the kubelet reports it. */
export function terminated(exitCode: number, reason: string, extra: Record<string, unknown> = {}): ContainerState {
  return {
    terminated: {
      exitCode,
      reason,
      startedAt: started,
      finishedAt: finished,
      containerID: 'containerd://9a3c1e6f0b8d2a4c7e5f1b3d9a0c2e4f6b8d0a1c3e5f7b9d1a3c5e7f9b1d3a5c',
      ...extra,
    },
  };
}

export interface PodShape {
  phase: NonNullable<Pod['status']>['phase'];
  containerStatuses?: ContainerStatus[];
  reason?: string;
  message?: string;
  conditions?: PodCondition[];
  /** Containers of the pod; the runner's is `core` as in the chart. */
  containers?: string[];
  labels?: Record<string, string>;
}

/** A runner pod of release prod-eu (label app=prod-eu-runner), as `GET /api/v1/namespaces/paddock/pods/<name>` answers. */
export function runnerPod(name: string, shape: PodShape): Pod {
  const containers = shape.containers ?? ['core'];
  const terminal = shape.phase === 'Succeeded' || shape.phase === 'Failed';
  return {
    metadata: {
      name,
      generateName: 'prod-eu-runner-',
      namespace: 'paddock',
      creationTimestamp: started,
      labels: shape.labels ?? { app: 'prod-eu-runner', 'app.kubernetes.io/name': 'paddock-runner', 'app.kubernetes.io/instance': 'prod-eu' },
      annotations: { 'kubectl.kubernetes.io/default-container': containers[0] },
      managedFields: [{ manager: 'kube-controller-manager', operation: 'Update', apiVersion: 'v1', time: started, fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': {} } }],
    },
    spec: {
      restartPolicy: 'Never',
      serviceAccountName: 'prod-eu-runner',
      terminationGracePeriodSeconds: 30,
      nodeName: 'ip-10-0-3-17.eu-west-1.compute.internal',
      schedulerName: 'default-scheduler',
      priority: 0,
      enableServiceLinks: true,
      preemptionPolicy: 'PreemptLowerPriority',
      securityContext: { runAsNonRoot: true, runAsUser: 1000 },
      containers: containers.map((c) => ({
        name: c,
        image: c === 'core' ? image : 'docker.io/envoyproxy/envoy:v1.29.1',
        imagePullPolicy: 'IfNotPresent',
        env:
          c === 'core'
            ? [
                { name: 'PADDOCK_SERVER_URL', value: 'https://paddock.example.com' },
                { name: 'PADDOCK_RUNNER_PLATFORM', value: 'kubernetes' },
                { name: 'PADDOCK_AGENT_VERSION', value: '1.4.0' },
              ]
            : [{ name: 'ENVOY_UID', value: '0' }],
        resources: { limits: { cpu: '500m', memory: '512Mi' }, requests: { cpu: '100m', memory: '128Mi' } },
        terminationMessagePath: '/dev/termination-log',
        terminationMessagePolicy: 'File',
      })),
      tolerations: [
        { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
        { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      ],
    },
    status: {
      phase: shape.phase,
      ...(shape.reason ? { reason: shape.reason } : {}),
      ...(shape.message ? { message: shape.message } : {}),
      conditions: shape.conditions ?? [
        condition('Initialized', 'True'),
        condition('Ready', terminal ? 'False' : 'True', terminal ? { reason: 'PodCompleted' } : {}),
        condition('ContainersReady', terminal ? 'False' : 'True', terminal ? { reason: 'PodCompleted' } : {}),
        condition('PodScheduled', 'True'),
      ],
      hostIP: '10.0.3.17',
      podIP: '10.244.1.23',
      podIPs: [{ ip: '10.244.1.23' }],
      startTime: started,
      qosClass: 'Burstable',
      ...(shape.containerStatuses ? { containerStatuses: shape.containerStatuses } : {}),
    },
  } as Pod;
}

/** One Pod per row of PRODUCT.md §11, with what the control plane must record (null: nothing is reported). */
export interface Row {
  row: string;
  pod: Pod;
  expect: { exitCode: number | null; signal: number | null; reason: string | null; cause: string } | null;
}

export function section11Rows(): Row[] {
  const p = (suffix: string) => `prod-eu-runner-7c9d8f6b5d-${suffix}`;
  return [
    {
      row: '0/Completed',
      pod: runnerPod(p('c0mpl'), { phase: 'Succeeded', containerStatuses: [containerStatus('core', terminated(0, 'Completed'))] }),
      expect: { exitCode: 0, signal: null, reason: 'Completed', cause: 'completed' },
    },
    {
      row: '137/OOMKilled',
      pod: runnerPod(p('oomkd'), { phase: 'Failed', containerStatuses: [containerStatus('core', terminated(137, 'OOMKilled'))] }),
      expect: { exitCode: 137, signal: null, reason: 'OOMKilled', cause: 'oom_killed' },
    },
    {
      row: '137/Error',
      pod: runnerPod(p('k1lld'), { phase: 'Failed', containerStatuses: [containerStatus('core', terminated(137, 'Error'))] }),
      expect: { exitCode: 137, signal: null, reason: 'Error', cause: 'killed' },
    },
    {
      // containerd reports a process that died of SIGTERM as 143 and leaves `signal` out.
      row: 'signal 15',
      pod: runnerPod(p('s1gtm'), { phase: 'Failed', containerStatuses: [containerStatus('core', terminated(143, 'Error'))] }),
      expect: { exitCode: 143, signal: 15, reason: 'Error', cause: 'sigterm' },
    },
    {
      row: '1/Error',
      pod: runnerPod(p('crash'), { phase: 'Failed', containerStatuses: [containerStatus('core', terminated(1, 'Error'))] }),
      expect: { exitCode: 1, signal: null, reason: 'Error', cause: 'crash' },
    },
    {
      // The runner container was restarted (restartPolicy OnFailure) and now waits: its last run is the record.
      row: 'lastState fallback',
      pod: runnerPod(p('l4sts'), {
        phase: 'Failed',
        containerStatuses: [
          containerStatus('core', { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 5m0s restarting failed container=core' } }, terminated(137, 'OOMKilled'), 6),
        ],
      }),
      expect: { exitCode: 137, signal: null, reason: 'OOMKilled', cause: 'oom_killed' },
    },
    {
      // An evicted pod as kubelets report it: phase, reason, message and no container records.
      row: 'Evicted',
      pod: {
        ...runnerPod(p('ev1ct'), { phase: 'Failed', reason: 'Evicted', message: 'The node was low on resource: memory. Threshold quantity: 100Mi, available: 91068Ki. Container core was using 1505524Ki, request is 128Mi, has larger consumption of memory. ' }),
      },
      expect: { exitCode: null, signal: null, reason: 'Evicted', cause: 'evicted' },
    },
    {
      // The kubelet could not find the container any more: its 137 is made up, not a record.
      row: 'DeadlineExceeded',
      pod: runnerPod(p('dead1'), {
        phase: 'Failed',
        reason: 'DeadlineExceeded',
        message: 'Pod was active on the node longer than the specified deadline',
        containerStatuses: [
          containerStatus('core', terminated(137, 'ContainerStatusUnknown', { message: 'The container could not be located when the pod was terminated', startedAt: null, finishedAt: null })),
        ],
      }),
      expect: { exitCode: null, signal: null, reason: 'DeadlineExceeded', cause: 'deadline_exceeded' },
    },
    {
      row: 'DisruptionTarget',
      pod: runnerPod(p('pr3mt'), {
        phase: 'Failed',
        conditions: [
          condition('DisruptionTarget', 'True', { reason: 'PreemptionByScheduler', message: 'prod/ci-high: preempting to accommodate a higher priority pod', lastTransitionTime: '2026-03-01T11:58:30Z' }),
          condition('Initialized', 'True'),
          condition('Ready', 'False', { reason: 'PodFailed' }),
          condition('ContainersReady', 'False', { reason: 'PodFailed' }),
          condition('PodScheduled', 'True'),
        ],
      }),
      expect: { exitCode: null, signal: null, reason: 'Preempted', cause: 'preempted' },
    },
    {
      // Caught by the selector but running no runner: left alone, whatever it says.
      row: 'no runner container',
      pod: runnerPod(p('n0run'), { phase: 'Failed', containers: ['envoy'], containerStatuses: [containerStatus('envoy', terminated(1, 'Error'))] }),
      expect: null,
    },
    {
      row: 'still running',
      pod: runnerPod(p('runng'), { phase: 'Running', containerStatuses: [containerStatus('core', { running: { startedAt: started } })] }),
      expect: null,
    },
  ];
}
