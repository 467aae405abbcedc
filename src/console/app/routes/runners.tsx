import { useQuery } from '@tanstack/react-query';
import { Suspense, useState } from 'react';
import { useLocation, useMatch, useNavigate, useSearchParams } from 'react-router';
import type { ListState } from '../../components/list-view';
import { LoadBoundary } from '../../components/load-boundary';
import { retryableLazy } from '../../components/retryable-lazy';
import { runnerGroupsQuery } from '../../entities/runner-group/queries';
import { defaultGroupSort } from '../../features/runner-groups/components/group-list';
import { type EditAddress, type RestoreFocus, RunnersPage } from '../../features/runner-groups/components/runners-page';
import {
  type DialogHistoryState,
  type InstanceFilters,
  openedFromList,
  paths,
  readDialogState,
  readInstanceFilters,
  readRunnersListQuery,
} from '../../lib/paths';
import { useDocumentTitle } from '../../lib/use-document-title';

// The dialogs that reveal a registration key are the install feature's; they load when first opened,
// not with the Runners page.
const NewGroupDialog = retryableLazy(() => import('../../features/install/components/new-group-dialog').then((m) => m.NewGroupDialog));
const RotateKeyDialog = retryableLazy(() =>
  import('../../features/install/components/rotate-key-dialog').then((m) => m.RotateKeyDialog),
);

type Installing = { kind: 'new'; restoreFocus: RestoreFocus } | { kind: 'rotate'; groupId: string; restoreFocus: RestoreFocus } | null;

/**
 * The Runners page at its addresses (PRODUCT.md §3 round 2): `/runners?q=&health=&sort=` is the list,
 * `/runners/{groupId}` the Edit dialog over it, `/runners/{groupId}/instances/{instanceId}` an instance
 * selected in it, each with its instance filters `?status=&cause=&q=&replaced=1`. Opening a dialog or
 * selecting an instance pushes an address; Back closes it; filters replace the address they are in.
 */
export function RunnersRoute() {
  useDocumentTitle('Runners');
  const navigate = useNavigate();
  const location = useLocation();
  const [params] = useSearchParams();
  const instanceMatch = useMatch('/runners/:groupId/instances/:instanceId');
  const groupMatch = useMatch('/runners/:groupId');
  const groupId = instanceMatch?.params.groupId ?? groupMatch?.params.groupId ?? null;
  const history = readDialogState(location.state);

  // The list reads its own address; behind a dialog, the list's address it was opened from.
  const listParams = groupId === null ? params : new URLSearchParams(history?.list ?? '');
  const listQuery = readRunnersListQuery(listParams);
  const listState: ListState = {
    q: listQuery.q ?? '',
    filters: { health: listQuery.health ?? 'all' },
    sort: listQuery.sort ?? defaultGroupSort,
  };
  const onListStateChange = (s: ListState) => {
    const sort = s.sort === defaultGroupSort ? undefined : (s.sort ?? undefined);
    navigate(paths.runners({ q: s.q, health: s.filters.health, sort }), { replace: true });
  };

  const edit: EditAddress | null =
    groupId === null ? null : { groupId, instanceId: instanceMatch?.params.instanceId ?? null, filters: readInstanceFilters(params) };
  // A pasted dialog address has no list behind it in the history: the list is unfiltered.
  const pushed = (extra: number): DialogHistoryState => ({ list: history?.list ?? '', depth: (history?.depth ?? 0) + extra });

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
        listState={listState}
        onListStateChange={onListStateChange}
        edit={edit}
        onOpenEdit={(id) => navigate(paths.group(id), { state: openedFromList(location.search) })}
        onCloseEdit={() => {
          if (history && history.depth > 0) navigate(-history.depth);
          else navigate(paths.runners(), { replace: true });
        }}
        onSelectInstance={(instanceId) => {
          if (!edit) return;
          const to = instanceId === null ? paths.group(edit.groupId, edit.filters) : paths.instance(edit.groupId, instanceId, edit.filters);
          navigate(to, { state: pushed(1) });
        }}
        onInstanceFiltersChange={(filters: InstanceFilters) => {
          if (!edit) return;
          const to = edit.instanceId ? paths.instance(edit.groupId, edit.instanceId, filters) : paths.group(edit.groupId, filters);
          navigate(to, { replace: true, state: pushed(0) });
        }}
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
