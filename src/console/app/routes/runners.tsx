import { useQuery } from '@tanstack/react-query';
import { Suspense, useEffect, useState } from 'react';
import type { Instance, RunnerGroup } from '../../../contract/schemas';
import { groupUpdatesQuery, runnerGroupsQuery } from '../../features/runner-groups/api/queries';
import type { RenderInstallView } from '../../features/runner-groups/components/install-step';
import { RunnersPage } from '../../features/runner-groups/components/runners-page';
import { UpdateProgress } from '../../features/runner-groups/components/update-progress';
import { useDocumentTitle } from '../../lib/use-document-title';
import { LoadBoundary } from '../../components/load-boundary';
import { retryableLazy } from '../../components/retryable-lazy';
import { toast } from '../../components/ui/toast-store';

// Everything below opens in a dialog, so it loads when first needed, not with the Runners page.
const EditGroupDialog = retryableLazy(() =>
  import('../../features/instances/components/edit-group-dialog').then((m) => m.EditGroupDialog),
);
const InstallView = retryableLazy(() => import('../../features/install/components/install-view').then((m) => m.InstallView));
const TroubleshootingPanel = retryableLazy(() =>
  import('../../features/troubleshooting/components/troubleshooting-panel').then((m) => m.TroubleshootingPanel),
);
const FleetHealthStrip = retryableLazy(() =>
  import('../../features/troubleshooting/components/fleet-health-strip').then((m) => m.FleetHealthStrip),
);

const renderInstallView: RenderInstallView = (props) => (
  <Suspense fallback={<p role="status">Loading install commands…</p>}>
    <InstallView {...props} />
  </Suspense>
);

/** The Runners page with its dialogs; the Edit dialog composes instances, updates and troubleshooting. */
export function RunnersRoute() {
  useDocumentTitle('Runners');
  const groups = useQuery(runnerGroupsQuery());
  const [editing, setEditing] = useState<{ id: string; name: string; restoreFocus: (event: Event) => void } | null>(null);
  const group = editing ? groups.data?.find((g) => g.id === editing.id) : undefined;
  // Someone else deleted the group while its Edit dialog was open: say so instead of just vanishing.
  const deletedName = editing && groups.data && !group ? editing.name : null;
  useEffect(() => {
    if (deletedName === null) return;
    toast({ title: `${deletedName} was deleted`, description: 'It was deleted while you had it open; its instances were cut off.', tone: 'danger' });
    setEditing(null);
  }, [deletedName]);
  return (
    <>
      <RunnersPage onEdit={(g, restoreFocus) => setEditing({ id: g.id, name: g.name, restoreFocus })} renderInstallView={renderInstallView} />
      {editing && group ? (
        <LoadBoundary onDismiss={() => setEditing(null)}>
          <EditGroup group={group} onClose={() => setEditing(null)} onCloseAutoFocus={editing.restoreFocus} />
        </LoadBoundary>
      ) : null}
    </>
  );
}

function EditGroup({
  group,
  onClose,
  onCloseAutoFocus,
}: {
  group: RunnerGroup;
  onClose: () => void;
  onCloseAutoFocus: (event: Event) => void;
}) {
  // The guidance names the failed upgrade, so it needs the group's updates.
  const updates = useQuery(groupUpdatesQuery(group.id));
  return (
    <Suspense fallback={null}>
      <EditGroupDialog
        group={group}
        onClose={onClose}
        onCloseAutoFocus={onCloseAutoFocus}
        renderUpdateProgress={(g) => <UpdateProgress group={g} />}
        renderFleetHealth={(instances: Instance[]) => (
          <Suspense fallback={null}>
            <FleetHealthStrip instances={instances} />
          </Suspense>
        )}
        renderInstanceGuidance={(g, instance) => (
          <Suspense fallback={null}>
            <TroubleshootingPanel group={g} instance={instance} updates={updates.data} />
          </Suspense>
        )}
      />
    </Suspense>
  );
}
