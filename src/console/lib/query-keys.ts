/**
 * Every query key of the console, generic to specific (TkDodo). The entities' queryOptions (and a
 * feature's reads of its own) are built from these, mutations invalidate by them, and live events
 * patch or invalidate by them: one definition of each key.
 */
export const queryKeys = {
  session: ['session'] as const,
  runnerGroups: {
    all: ['runner-groups'] as const,
    list: () => ['runner-groups', 'list'] as const,
    detail: (id: string) => ['runner-groups', 'detail', id] as const,
    instances: (id: string) => ['runner-groups', 'detail', id, 'instances'] as const,
    updates: (id: string) => ['runner-groups', 'detail', id, 'updates'] as const,
  },
  auditEvents: {
    all: ['audit-events'] as const,
    list: (filters: { groupId?: string; actor?: string }) => ['audit-events', 'list', filters] as const,
    groups: () => ['audit-events', 'groups'] as const,
  },
  install: (platform: string) => ['install', platform] as const,
  notificationChannels: {
    all: ['notification-channels'] as const,
    list: () => ['notification-channels', 'list'] as const,
    deliveries: (id: string) => ['notification-channels', 'detail', id, 'deliveries'] as const,
  },
  tokens: {
    all: ['tokens'] as const,
    list: () => ['tokens', 'list'] as const,
  },
};
