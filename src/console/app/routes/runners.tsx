import { useQuery } from '@tanstack/react-query';
import { lazy, Suspense, useState } from 'react';
import type { Instance, RunnerGroup } from '../../../contract/schemas';
import { causeText } from '../../../contract/termination';
import { runnerGroupsQuery } from '../../features/runner-groups/api/queries';
import type { RenderInstallView } from '../../features/runner-groups/components/install-step';
import { RunnersPage } from '../../features/runner-groups/components/runners-page';
import { UpdateProgress } from '../../features/runner-groups/components/update-progress';
import { FallbackInstallView } from './fallback-install-view';

const EditGroupDialog = lazy(() =>
  import('../../features/instances/components/edit-group-dialog').then((m) => ({ default: m.EditGroupDialog })),
);

const renderInstallView: RenderInstallView = (props) => <FallbackInstallView {...props} />;

/** Guidance for one instance until the troubleshooting panel is wired in: the cause text. */
function renderInstanceGuidance(_group: RunnerGroup, instance: Instance) {
  return instance.termination ? <p>{causeText[instance.termination.cause]}</p> : null;
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
          />
        ) : null}
      </Suspense>
    </>
  );
}
