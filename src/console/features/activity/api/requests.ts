import { api } from '../../../../contract/paths';
import type { AuditGroup, AuditPage } from '../../../../contract/schemas';
import { apiRequest } from '../../../lib/api-client';

export interface AuditFilters {
  groupId?: string;
  actor?: string;
}

/** One page of the audit log, newest first. */
export function listAuditEvents(filters: AuditFilters & { cursor?: string; limit?: number }, signal?: AbortSignal): Promise<AuditPage> {
  const params = new URLSearchParams();
  if (filters.groupId) params.set('groupId', filters.groupId);
  if (filters.actor) params.set('actor', filters.actor);
  if (filters.cursor) params.set('cursor', filters.cursor);
  params.set('limit', String(filters.limit ?? 50));
  return apiRequest<AuditPage>(`${api.auditEvents}?${params}`, { signal });
}

/** The groups the audit log names, deleted ones included (for the group filter). */
export function listAuditGroups(signal?: AbortSignal): Promise<AuditGroup[]> {
  return apiRequest<AuditGroup[]>(api.auditGroups, { signal });
}
