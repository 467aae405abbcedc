import { queryOptions } from '@tanstack/react-query';
import { queryKeys } from '../../../lib/query-keys';
import { listChannels, listDeliveries } from './requests';

/** Every channel with its last delivery (never a secret). */
export const channelsQuery = () =>
  queryOptions({
    queryKey: queryKeys.notificationChannels.list(),
    queryFn: ({ signal }) => listChannels(signal),
  });

/** A channel's delivery log, newest first. */
export const deliveriesQuery = (id: string) =>
  queryOptions({
    queryKey: queryKeys.notificationChannels.deliveries(id),
    queryFn: ({ signal }) => listDeliveries(id, signal),
  });
