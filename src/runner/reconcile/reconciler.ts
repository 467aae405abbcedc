import { readFile } from 'node:fs/promises';
import { api, TerminationReportResponse } from '../../contract';
import { backoffDelayMs, type Random } from '../backoff';
import type { Logger } from '../log';
import type { KubeApi } from './kube-api';
import type { Pod } from './pod';
import { sleep } from './pod-watch';
import { type PodEnd, podEnd, terminatedLine } from './termination';

export interface ReconcilerOptions {
  api: KubeApi;
  namespace: string;
  serverUrl: string;
  /** The registration key's file, read again before every report (a rotated Secret is picked up). */
  keyFile: string;
  log: Logger;
  signal: AbortSignal;
  /** Called once when the control plane says the group is deleted (410): nothing more can be reported. */
  onGroupDeleted(): void;
  now?: () => Date;
  random?: Random;
  backoffCapSeconds?: number;
  /** Pods settled at the same time at most. */
  concurrency?: number;
  requestTimeoutMs?: number;
}

type ReportOutcome = 'taken' | 'retry' | 'leave' | 'group-deleted';

/**
 * Settles terminal runner pods (PRODUCT.md §11): for each one, one log line, then the report (retried
 * until the control plane took it: 202 recorded or 200 already recorded), then the delete. A pod whose
 * name no instance registered under (404) or that the control plane refuses as malformed (400) is
 * left in place, logged, so `kubectl logs` still shows what went wrong with it.
 */
export class Reconciler {
  /** Pods being settled, by uid. */
  private readonly active = new Map<string, Promise<void>>();
  /** Pods settled (deleted or deliberately left), by uid, until the API says they are gone. */
  private readonly settled = new Set<string>();
  private readonly waiting: Array<() => void> = [];
  private running = 0;
  private groupDeleted = false;

  constructor(private readonly o: ReconcilerOptions) {}

  /** A full list: settle each terminal pod, and forget pods that no longer exist. */
  listed(pods: Pod[]): void {
    const present = new Set(pods.map(keyOf));
    for (const key of this.settled) if (!present.has(key)) this.settled.delete(key);
    for (const pod of pods) this.changed(pod);
  }

  /** A pod added or changed: settle it when it is a terminal runner pod not already handled. */
  changed(pod: Pod): void {
    const key = keyOf(pod);
    if (this.groupDeleted || this.active.has(key) || this.settled.has(key)) return;
    const end = podEnd(pod, (this.o.now ?? (() => new Date()))());
    if (!end) return;
    this.o.log.info(terminatedLine(end));
    const task = this.limited(() => this.settle(end)).finally(() => this.active.delete(key));
    this.active.set(key, task);
  }

  /** A pod gone from the API. */
  deleted(pod: Pod): void {
    this.settled.delete(keyOf(pod));
  }

  /** Resolves when every pod being settled is done (or given up because of a stop). */
  async idle(): Promise<void> {
    while (this.active.size > 0) await Promise.all([...this.active.values()]);
  }

  private async limited(work: () => Promise<void>): Promise<void> {
    const limit = this.o.concurrency ?? 4;
    if (this.running >= limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.running++;
    try {
      await work();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }

  private async settle(end: PodEnd): Promise<void> {
    const key = end.uid ?? end.pod;
    for (let attempt = 1; ; attempt++) {
      if (this.o.signal.aborted || this.groupDeleted) return;
      const outcome = await this.report(end);
      if (outcome === 'taken') break;
      if (outcome === 'leave') {
        this.settled.add(key);
        return;
      }
      if (outcome === 'group-deleted') {
        if (!this.groupDeleted) {
          this.groupDeleted = true;
          this.o.onGroupDeleted();
        }
        return;
      }
      await sleep(this.delay(attempt), this.o.signal);
    }
    for (let attempt = 1; ; attempt++) {
      if (this.o.signal.aborted) return;
      if (await this.deletePod(end)) break;
      await sleep(this.delay(attempt), this.o.signal);
    }
    this.settled.add(key);
  }

  private delay(attempt: number): number {
    return backoffDelayMs(attempt, this.o.backoffCapSeconds ?? 30, this.o.random ?? Math.random, 500);
  }

  /** One report; never throws. */
  private async report(end: PodEnd): Promise<ReportOutcome> {
    const { log } = this.o;
    const retryIn = (why: string): ReportOutcome => {
      log.warn(`report of pod ${end.pod} failed (${why}); the pod is kept until the control plane takes it, retrying`);
      return 'retry';
    };
    let key: string;
    try {
      key = (await readFile(this.o.keyFile, 'utf8')).trim();
    } catch (err) {
      return retryIn(`cannot read the key file ${this.o.keyFile}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
    if (!key) return retryIn(`the key file ${this.o.keyFile} is empty`);
    log.addSecret(key);
    let res: Response;
    try {
      res = await fetch(this.o.serverUrl + api.runnerTerminations, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ name: end.pod, exitCode: end.exitCode, signal: end.signal, reason: end.reason, observedAt: end.observedAt }),
        signal: AbortSignal.any([this.o.signal, AbortSignal.timeout(this.o.requestTimeoutMs ?? 10_000)]),
      });
    } catch (err) {
      if (this.o.signal.aborted) return 'retry';
      const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
      return retryIn(`cannot reach ${this.o.serverUrl}: ${e.cause?.code ?? e.cause?.message ?? e.name ?? e.message}`);
    }
    const text = await res.text().catch(() => '');
    if (res.status === 202 || res.status === 200) {
      const parsed = TerminationReportResponse.safeParse(safeJson(text));
      const cause = parsed.success ? parsed.data.termination.cause : 'unknown';
      log.info(
        res.status === 202
          ? `reported pod ${end.pod}: recorded (cause ${cause})`
          : `reported pod ${end.pod}: its instance already had a record (cause ${cause}), left as it was`,
      );
      return 'taken';
    }
    const detail = problemDetail(text);
    if (res.status === 401) return retryIn(`401 ${detail || 'registration key revoked or unknown'}: update the Secret holding the key; the file is read again before the next try`);
    if (res.status === 410) {
      log.error(`the control plane says this runner group was deleted (410${detail ? `: ${detail}` : ''}): nothing more can be reported`);
      return 'group-deleted';
    }
    if (res.status === 404 || res.status === 400) {
      log.warn(`report of pod ${end.pod} refused (${res.status}${detail ? `: ${detail}` : ''}); nothing is recorded and the pod is kept for kubectl logs`);
      return 'leave';
    }
    return retryIn(`${res.status}${detail ? `: ${detail}` : ''}`);
  }

  /** Deletes the pod it read (uid precondition: never a newer pod of the same name); true once it is gone. */
  private async deletePod(end: PodEnd): Promise<boolean> {
    const path = `/api/v1/namespaces/${encodeURIComponent(this.o.namespace)}/pods/${encodeURIComponent(end.pod)}`;
    const body = { kind: 'DeleteOptions', apiVersion: 'v1', ...(end.uid ? { preconditions: { uid: end.uid } } : {}) };
    try {
      const answer = await this.o.api.call<{ message?: string }>('DELETE', path, body, this.o.signal);
      if (answer.status === 200 || answer.status === 202) {
        this.o.log.info(`deleted pod ${end.pod}`);
        return true;
      }
      // Gone already, or replaced by a newer pod of that name (uid precondition): nothing to delete.
      if (answer.status === 404 || answer.status === 409) return true;
      this.o.log.warn(`delete of pod ${end.pod} answered ${answer.status}${answer.body?.message ? `: ${answer.body.message.slice(0, 200)}` : ''}; retrying`);
    } catch (err) {
      if (!this.o.signal.aborted) this.o.log.warn(`delete of pod ${end.pod} failed (${err instanceof Error ? err.message : String(err)}); retrying`);
    }
    return false;
  }
}

function keyOf(pod: Pod): string {
  return pod.metadata.uid ?? pod.metadata.name;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function problemDetail(text: string): string {
  const body = safeJson(text) as { detail?: unknown; title?: unknown } | null;
  const detail = body?.detail ?? body?.title;
  return typeof detail === 'string' ? detail.slice(0, 300) : '';
}
