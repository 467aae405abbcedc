import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { ChannelWithSecret, NotificationChannel } from '../../../../contract/notifications';
import { queryKeys } from '../../../lib/query-keys';
import { createChannel, deleteChannel, patchChannel, testChannel } from './requests';

const all = queryKeys.notificationChannels.all;
const list = queryKeys.notificationChannels.list();

/** The channel without its signing secret: the only shape that may enter the query cache. */
export function withoutSecret(created: ChannelWithSecret | NotificationChannel): NotificationChannel {
  const { secret: _secret, ...channel } = created as ChannelWithSecret;
  return channel;
}

/**
 * Creates a channel. A webhook's secret goes to `onSecret` (the dialog's state) and never into the
 * mutation cache: the mutation's own result is the channel without it.
 */
export function useCreateChannel(onSecret: (secret: string) => void) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (body: Parameters<typeof createChannel>[0]) => {
      const created = await createChannel(body);
      if ('secret' in created) onSecret(created.secret);
      return withoutSecret(created);
    },
    gcTime: 0,
    meta: { invalidates: [all] },
    onSuccess: (created) => {
      const channel = created;
      queryClient.setQueryData<NotificationChannel[]>(list, (old) => [...(old ?? []).filter((c) => c.id !== channel.id), channel]);
    },
  });
}

export function usePatchChannel() {
  return useMutation({ mutationFn: patchChannel, meta: { invalidates: [all] } });
}

export function useDeleteChannel() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: deleteChannel,
    meta: { invalidates: [list] },
    onSuccess: (_d, id) => {
      queryClient.setQueryData<NotificationChannel[]>(list, (old) => old?.filter((c) => c.id !== id));
      queryClient.removeQueries({ queryKey: queryKeys.notificationChannels.deliveries(id) });
    },
  });
}

export function useTestChannel() {
  return useMutation({ mutationFn: testChannel, meta: { invalidates: [all] } });
}
