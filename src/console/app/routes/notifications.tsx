import { useQuery } from '@tanstack/react-query';
import { NotificationsPage } from '../../features/notifications/components/notifications-page';
import { runnerGroupsQuery } from '../../entities/runner-group/queries';
import { useDocumentTitle } from '../../lib/use-document-title';

export function Component() {
  useDocumentTitle('Notifications');
  // Channels can be limited to groups; the page names them (the feature does not read groups itself).
  const groups = useQuery({ ...runnerGroupsQuery(), select: (gs) => gs.map((g) => ({ id: g.id, name: g.name })) });
  return <NotificationsPage groups={groups.data ?? []} />;
}
