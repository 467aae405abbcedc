import { useQuery } from '@tanstack/react-query';
import { Suspense, useState } from 'react';
import { LoadBoundary } from '../../components/load-boundary';
import { retryableLazy } from '../../components/retryable-lazy';
import { runnerGroupsQuery } from '../../entities/runner-group/queries';
import { type RestoreFocus, RunnersPage } from '../../features/runner-groups/components/runners-page';
import { useDocumentTitle } from '../../lib/use-document-title';

// The dialogs that reveal a registration key are the install feature's; they load when first opened,
// not with the Runners page.
const NewGroupDialog = retryableLazy(() => import('../../features/install/components/new-group-dialog').then((m) => m.NewGroupDialog));
const RotateKeyDialog = retryableLazy(() =>
  import('../../features/install/components/rotate-key-dialog').then((m) => m.RotateKeyDialog),
);

type Installing = { kind: 'new'; restoreFocus: RestoreFocus } | { kind: 'rotate'; groupId: string; restoreFocus: RestoreFocus } | null;

/** The Runners page (runner-groups) with the key-revealing dialogs it asks for (install). */
export function RunnersRoute() {
  useDocumentTitle('Runners');
  const groups = useQuery(runnerGroupsQuery());
  const [installing, setInstalling] = useState<Installing>(null);
  const close = () => setInstalling(null);
  // Rotate follows the group's live data; a group deleted meanwhile closes it.
  const rotating = installing?.kind === 'rotate' ? groups.data?.find((g) => g.id === installing.groupId) : undefined;
  return (
    <>
      <RunnersPage
        onNewGroup={(restoreFocus) => setInstalling({ kind: 'new', restoreFocus })}
        onRotateKey={(group, restoreFocus) => setInstalling({ kind: 'rotate', groupId: group.id, restoreFocus })}
      />
      <LoadBoundary key={installing?.kind ?? 'none'} onDismiss={close}>
        <Suspense fallback={null}>
          {installing?.kind === 'new' ? (
            <NewGroupDialog onClose={close} firstGroup={(groups.data ?? []).length === 0} onCloseAutoFocus={installing.restoreFocus} />
          ) : null}
          {installing?.kind === 'rotate' && rotating ? (
            <RotateKeyDialog group={rotating} onClose={close} onCloseAutoFocus={installing.restoreFocus} />
          ) : null}
        </Suspense>
      </LoadBoundary>
    </>
  );
}
