// The parts of a Kubernetes Pod (core/v1) the reconciler reads, as the API serves them in JSON.

export interface ContainerStateTerminated {
  exitCode: number;
  signal?: number;
  reason?: string;
  message?: string;
  startedAt?: string | null;
  finishedAt?: string | null;
  containerID?: string;
}

export interface ContainerState {
  running?: { startedAt?: string | null };
  waiting?: { reason?: string; message?: string };
  terminated?: ContainerStateTerminated;
}

export interface ContainerStatus {
  name: string;
  state?: ContainerState;
  lastState?: ContainerState;
  ready?: boolean;
  restartCount?: number;
}

export interface PodCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastTransitionTime?: string | null;
}

export interface Pod {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    deletionTimestamp?: string | null;
    labels?: Record<string, string>;
  };
  spec?: { containers?: Array<{ name: string; env?: Array<{ name: string; value?: string }> }> };
  status?: {
    phase?: 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';
    reason?: string;
    message?: string;
    conditions?: PodCondition[];
    containerStatuses?: ContainerStatus[];
  };
}

/** What `GET …/pods` answers (items carry no kind or apiVersion of their own). */
export interface PodList {
  kind?: 'PodList';
  apiVersion?: string;
  metadata: { resourceVersion: string; continue?: string; remainingItemCount?: number };
  items: Pod[];
}

/** A metav1.Status, as an error answer or an ERROR watch event carries it. */
export interface Status {
  kind: 'Status';
  apiVersion?: string;
  status?: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  code?: number;
}

/** One line of a watch stream. BOOKMARK carries only `kind`, `apiVersion` and `metadata.resourceVersion`. */
export type WatchEvent =
  | { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: Pod }
  | { type: 'BOOKMARK'; object: { kind?: string; apiVersion?: string; metadata: { resourceVersion: string; annotations?: Record<string, string> } } }
  | { type: 'ERROR'; object: Status };
