import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import type { RunnerGroup } from '../../../../contract';
import { toast } from '../../../components/ui/toast-store';
import { groupUpdatesQuery } from '../../../entities/runner-group/queries';

/**
 * Announces how updates end: when a group's active update goes away, it looks the update up and
 * says "succeeded" or "rolled back" with the reason (toasts are live regions).
 */
export function UpdateAnnouncer({ groups }: { groups: readonly RunnerGroup[] | undefined }) {
  const queryClient = useQueryClient();
  const seen = useRef(new Map<string, { updateId: string; name: string }>());

  useEffect(() => {
    if (!groups) return;
    const now = new Map<string, { updateId: string; name: string }>();
    for (const g of groups) {
      if (g.activeUpdate?.state === 'in_progress') now.set(g.id, { updateId: g.activeUpdate.id, name: g.name });
    }
    for (const [groupId, before] of seen.current) {
      if (now.get(groupId)?.updateId === before.updateId) continue;
      void queryClient
        .fetchQuery({ ...groupUpdatesQuery(groupId), staleTime: 0 })
        .then((updates) => {
          const u = updates.find((x) => x.id === before.updateId);
          if (u?.state === 'succeeded') {
            toast({ tone: 'success', title: `Update of ${before.name} to ${u.targetVersion} succeeded` });
          } else if (u?.state === 'rolled_back') {
            toast({
              tone: 'danger',
              title: `Update of ${before.name} to ${u.targetVersion} was rolled back`,
              description: `${sentence(u.reason ?? 'No reason was recorded')} See "Runner upgrade failure" in the instance details (Edit).`,
            });
          }
        })
        .catch(() => {
          // The group may be gone; nothing to announce.
        });
    }
    seen.current = now;
  }, [groups, queryClient]);

  return null;
}

/** The reason as a sentence: it ends with a full stop before the next one starts. */
function sentence(text: string): string {
  return /[.!?…]$/.test(text.trim()) ? text.trim() : `${text.trim()}.`;
}
