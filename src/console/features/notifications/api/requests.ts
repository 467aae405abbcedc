import type { ChannelWithSecret, CreateChannelBody, DeliveryAttempt, NotificationChannel, PatchChannelBody } from '../../../../contract/notifications';
import { api } from '../../../../contract/paths';
import { apiRequest } from '../../../lib/api-client';

export function listChannels(signal?: AbortSignal): Promise<NotificationChannel[]> {
  return apiRequest<NotificationChannel[]>(api.notificationChannels, { signal });
}

/** Creates a channel; a webhook's answer carries its signing secret, once. */
export function createChannel(body: CreateChannelBody): Promise<ChannelWithSecret | NotificationChannel> {
  return apiRequest(api.notificationChannels, { method: 'POST', body });
}

export function patchChannel({ id, ...body }: PatchChannelBody & { id: string }): Promise<NotificationChannel> {
  return apiRequest(api.notificationChannel(id), { method: 'PATCH', body });
}

export function deleteChannel(id: string): Promise<void> {
  return apiRequest(api.notificationChannel(id), { method: 'DELETE' });
}

/** Sends `test` now; the answer is the attempt. */
export function testChannel(id: string): Promise<DeliveryAttempt> {
  return apiRequest(api.notificationChannelTest(id), { method: 'POST' });
}

export function listDeliveries(id: string, signal?: AbortSignal): Promise<DeliveryAttempt[]> {
  return apiRequest<DeliveryAttempt[]>(`${api.notificationDeliveries(id)}?limit=50`, { signal });
}
