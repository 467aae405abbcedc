import type {
  CreateGroupBody,
  GroupWithKey,
  PatchGroupBody,
  RunnerGroup,
  Update,
  UpdateRequestBody,
} from '../../../../contract/schemas';
import { api } from '../../../../contract/paths';
import { apiRequest } from '../../../lib/api-client';

// Answers are typed by the contract but not parsed at runtime: zod would add ~27 KiB gzip to the
// Runners page's first load (PRODUCT.md §9 allows 150 KiB). The server validates with the contract.

export function listGroups(signal?: AbortSignal): Promise<RunnerGroup[]> {
  return apiRequest<RunnerGroup[]>(api.runnerGroups, { signal });
}

export function getGroup(id: string, signal?: AbortSignal): Promise<RunnerGroup> {
  return apiRequest<RunnerGroup>(api.runnerGroup(id), { signal });
}

/** 201 with the group and its registration key: the only answer that carries it besides rotation. */
export function createGroup(body: CreateGroupBody): Promise<GroupWithKey> {
  return apiRequest<GroupWithKey>(api.runnerGroups, { method: 'POST', body });
}

export function patchGroup({ id, ...body }: PatchGroupBody & { id: string }): Promise<RunnerGroup> {
  return apiRequest<RunnerGroup>(api.runnerGroup(id), { method: 'PATCH', body });
}

export function deleteGroup(id: string): Promise<unknown> {
  return apiRequest(api.runnerGroup(id), { method: 'DELETE' });
}

export function rotateKey(id: string): Promise<GroupWithKey> {
  return apiRequest<GroupWithKey>(api.registrationKey(id), { method: 'POST' });
}

export function requestUpdate({
  id,
  idempotencyKey,
  ...body
}: UpdateRequestBody & { id: string; idempotencyKey: string }): Promise<Update> {
  return apiRequest<Update>(api.updates(id), {
    method: 'POST',
    body,
    headers: { 'Idempotency-Key': idempotencyKey },
  });
}

export function listUpdates(id: string, signal?: AbortSignal): Promise<Update[]> {
  return apiRequest<Update[]>(api.updates(id), { signal });
}
