import { useQuery } from '@tanstack/react-query';
import { ActivityPage } from '../../features/activity/components/activity-page';
import { runnerGroupsQuery } from '../../entities/runner-group/queries';
import { useDocumentTitle } from '../../lib/use-document-title';

export function Component() {
  useDocumentTitle('Activity');
  // The group filter offers the groups that exist now; the log also names deleted ones.
  const groups = useQuery({ ...runnerGroupsQuery(), select: (gs) => gs.map((g) => ({ id: g.id, name: g.name })) });
  return <ActivityPage groups={groups.data ?? []} />;
}
