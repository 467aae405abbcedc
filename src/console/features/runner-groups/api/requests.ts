import { z } from 'zod';
import {
  api,
  type CreateGroupBody,
  GroupWithKey,
  type PatchGroupBody,
  RunnerGroup,
  Update,
  type UpdateRequestBody,
} from '../../../../contract';
import { apiRequest } from '../../../lib/api-client';

const GroupList = z.array(RunnerGroup);
const UpdateList = z.array(Update);

export function listGroups(signal?: AbortSignal): Promise<RunnerGroup[]> {
  return apiRequest(api.runnerGroups, { parse: GroupList.parse, signal });
}

export function getGroup(id: string, signal?: AbortSignal): Promise<RunnerGroup> {
  return apiRequest(api.runnerGroup(id), { parse: RunnerGroup.parse, signal });
}

/** 201 with the group and its registration key: the only answer that carries it besides rotation. */
export function createGroup(body: CreateGroupBody): Promise<GroupWithKey> {
  return apiRequest(api.runnerGroups, { method: 'POST', body, parse: GroupWithKey.parse });
}

export function patchGroup({ id, ...body }: PatchGroupBody & { id: string }): Promise<RunnerGroup> {
  return apiRequest(api.runnerGroup(id), { method: 'PATCH', body, parse: RunnerGroup.parse });
}

export function deleteGroup(id: string): Promise<unknown> {
  return apiRequest(api.runnerGroup(id), { method: 'DELETE' });
}

export function rotateKey(id: string): Promise<GroupWithKey> {
  return apiRequest(api.registrationKey(id), { method: 'POST', parse: GroupWithKey.parse });
}

export function requestUpdate({
  id,
  idempotencyKey,
  ...body
}: UpdateRequestBody & { id: string; idempotencyKey: string }): Promise<Update> {
  return apiRequest(api.updates(id), {
    method: 'POST',
    body,
    parse: Update.parse,
    headers: { 'Idempotency-Key': idempotencyKey },
  });
}

export function listUpdates(id: string, signal?: AbortSignal): Promise<Update[]> {
  return apiRequest(api.updates(id), { parse: UpdateList.parse, signal });
}
