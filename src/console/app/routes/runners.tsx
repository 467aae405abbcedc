import { useQuery } from '@tanstack/react-query';
import { lazy, Suspense, useState } from 'react';
import type { Instance, RunnerGroup } from '../../../contract/schemas';
import { InstallView } from '../../features/install/components/install-view';
import { groupUpdatesQuery, runnerGroupsQuery } from '../../features/runner-groups/api/queries';
import type { RenderInstallView } from '../../features/runner-groups/components/install-step';
import { RunnersPage } from '../../features/runner-groups/components/runners-page';
import { UpdateProgress } from '../../features/runner-groups/components/update-progress';
import { FleetHealthStrip } from '../../features/troubleshooting/components/fleet-health-strip';
import { TroubleshootingPanel } from '../../features/troubleshooting/components/troubleshooting-panel';

const EditGroupDialog = lazy(() =>
  import('../../features/instances/components/edit-group-dialog').then((m) => ({ default: m.EditGroupDialog })),
);

const renderInstallView: RenderInstallView = (props) => <InstallView {...props} />;

/** The troubleshooting guidance of one instance, with the group's updates (for "Runner upgrade failure"). */
function InstanceGuidance({ group, instance }: { group: RunnerGroup; instance: Instance }) {
  const updates = useQuery(groupUpdatesQuery(group.id));
  return <TroubleshootingPanel group={group} instance={instance} updates={updates.data ?? []} />;
}

function renderInstanceGuidance(group: RunnerGroup, instance: Instance) {
  return <InstanceGuidance group={group} instance={instance} />;
}

/** The Runners page with its dialogs; the Edit dialog composes instances, updates and guidance. */
export function RunnersRoute() {
  const groups = useQuery(runnerGroupsQuery());
  const [editingId, setEditingId] = useState<string | null>(null);
  const editing = editingId ? groups.data?.find((g) => g.id === editingId) : undefined;
  return (
    <>
      <RunnersPage onEdit={(g) => setEditingId(g.id)} renderInstallView={renderInstallView} />
      <Suspense fallback={null}>
        {editing ? (
          <EditGroupDialog
            group={editing}
            onClose={() => setEditingId(null)}
            renderUpdateProgress={(g) => <UpdateProgress group={g} />}
            renderInstanceGuidance={renderInstanceGuidance}
            renderFleetHealth={(instances) => <FleetHealthStrip instances={instances} />}
          />
        ) : null}
      </Suspense>
    </>
  );
}
