import { useQuery } from '@tanstack/react-query';
import { Suspense, useEffect, useId, useRef, useState } from 'react';
import type { RunnerGroup } from '../../../../contract';
import type { ListState } from '../../../components/list-view';
import { LoadBoundary } from '../../../components/load-boundary';
import { LoadingState, StateBox } from '../../../components/page-state';
import { preloadWhenIdle, retryableLazy } from '../../../components/retryable-lazy';
import { Button } from '../../../components/ui/button';
import { toast } from '../../../components/ui/toast-store';
import { runnerGroupsQuery } from '../../../entities/runner-group/queries';
import { errorMessage } from '../../../lib/api-client';
import { useConnectionState } from '../../../lib/connection';
import { formatClock, formatRelative } from '../../../lib/format';
import type { InstanceFilters } from '../../../lib/paths';
import { usePermissions } from '../../../lib/permissions';
import { useSetDefault } from '../api/mutations';
import type { GroupAction } from './group-actions-menu';
import { GroupList } from './group-list';
import styles from './runners-page.module.css';

// Dialogs load when first opened: the Runners page's initial JavaScript stays small. Edit is also
// loaded ahead once the page is idle, so that it opens from the cache while the control plane is away.
const EditGroupDialog = retryableLazy(() => import('./edit-group-dialog').then((m) => m.EditGroupDialog));
const MissingGroupDialog = retryableLazy(() => import('./edit-group-dialog').then((m) => m.MissingGroupDialog));
const UpdateDialog = retryableLazy(() => import('./update-dialog').then((m) => m.UpdateDialog));
const DeleteDialog = retryableLazy(() => import('./delete-dialog').then((m) => m.DeleteDialog));

type OpenDialog = { kind: 'update' | 'delete'; groupId: string } | null;

/** Where focus goes when a dialog opened from this page closes (a dialog's onCloseAutoFocus). */
export type RestoreFocus = (event: Event) => void;

/** The Edit dialog the address asks for: the group, the selected instance and the instance filters. */
export interface EditAddress {
  groupId: string;
  instanceId: string | null;
  filters: InstanceFilters;
}

/** The time, ticking: every second while it is shown as an age ("40 s ago"), else every 30 s. */
function useNow(everyMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    setNow(Date.now());
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
}

/**
 * The Runners page: every runner group with its health, versions, last update and actions, and the
 * dialogs of those actions. The list's filters and the Edit dialog come from the address (the route
 * reads it); New Runner Group and Rotate key hand the key to the install feature (`onNewGroup`,
 * `onRotateKey`).
 */
export function RunnersPage({
  onNewGroup,
  onRotateKey,
  listState,
  onListStateChange,
  edit,
  onOpenEdit,
  onCloseEdit,
  onSelectInstance,
  onInstanceFiltersChange,
}: {
  onNewGroup: (restoreFocus: RestoreFocus) => void;
  onRotateKey: (group: RunnerGroup, restoreFocus: RestoreFocus) => void;
  listState: ListState;
  onListStateChange: (state: ListState) => void;
  edit: EditAddress | null;
  onOpenEdit: (groupId: string) => void;
  onCloseEdit: () => void;
  onSelectInstance: (instanceId: string | null) => void;
  onInstanceFiltersChange: (filters: InstanceFilters) => void;
}) {
  const id = useId();
  const { canWrite, readOnlyReason } = usePermissions();
  const groups = useQuery({
    ...runnerGroupsQuery(),
    // While an update runs, look again every few seconds even if the live stream is quiet.
    refetchInterval: (q) => (q.state.data?.some((g) => g.activeUpdate?.state === 'in_progress') ? 3_000 : 30_000),
  });
  const setDefault = useSetDefault();
  const [dialog, setDialog] = useState<OpenDialog>(null);
  useEffect(() => preloadWhenIdle(EditGroupDialog.preload), []);

  const connection = useConnectionState();
  // The control plane cannot be reached: what is on screen is the last known state, and says so.
  const stale = groups.data !== undefined && (connection === 'reconnecting' || groups.isError);
  const now = useNow(stale ? 1_000 : 30_000);

  const all = groups.data ?? [];
  const find = (groupId: string | undefined) => (groupId === undefined ? undefined : all.find((g) => g.id === groupId));
  const dialogGroup = find(dialog?.groupId);
  const editGroup = find(edit?.groupId);
  const close = () => setDialog(null);

  // Someone else deleted the group while its Edit dialog was open: say so instead of just vanishing.
  // A group never seen here (a pasted address) gets the dialog that says it no longer exists.
  const seen = useRef<{ id: string; name: string } | null>(null);
  if (editGroup) seen.current = { id: editGroup.id, name: editGroup.name };
  else if (!edit) seen.current = null;
  const wasSeen = edit !== null && seen.current?.id === edit.groupId;
  const deletedName = groups.data && !editGroup && wasSeen ? seen.current!.name : null;
  const closeEdit = useRef(onCloseEdit);
  closeEdit.current = onCloseEdit;
  useEffect(() => {
    if (deletedName === null) return;
    toast({ title: `${deletedName} was deleted`, description: 'It was deleted while you had it open; its instances were cut off.', tone: 'danger' });
    closeEdit.current();
  }, [deletedName]);
  const missing = edit !== null && groups.data !== undefined && !editGroup && !wasSeen;

  const headingRef = useRef<HTMLHeadingElement>(null);
  // Closing a dialog opened from a menu puts focus back on that group's 3-dot button (or, when the
  // group is gone, on the page heading), not on the top of the page.
  const restoreFocus =
    (groupId: string | null) =>
    (event: Event): void => {
      const trigger = groupId
        ? document.querySelector<HTMLElement>(`[data-group-actions="${CSS.escape(groupId)}"]`)
        : document.querySelector<HTMLElement>('[data-new-group]');
      const target = trigger ?? headingRef.current;
      if (!target) return;
      event.preventDefault();
      target.focus();
    };

  const onAction = (group: RunnerGroup, action: GroupAction) => {
    if (action === 'set-default') {
      setDefault.mutate(group.id, {
        onSuccess: () => toast({ tone: 'success', title: `${group.name} is now the default group` }),
        onError: (e) => toast({ tone: 'danger', title: `Could not make ${group.name} the default`, description: errorMessage(e) }),
      });
    } else if (action === 'rotate-key') onRotateKey(group, restoreFocus(group.id));
    else if (action === 'edit') onOpenEdit(group.id);
    else setDialog({ kind: action, groupId: group.id });
  };

  const newButton = (
    <span className={styles.newWrap}>
      <Button
        variant="primary"
        onClick={() => onNewGroup(restoreFocus(null))}
        data-new-group=""
        disabled={!canWrite}
        aria-describedby={canWrite ? undefined : `${id}-readonly`}
      >
        New Runner Group
      </Button>
      {canWrite ? null : (
        <span id={`${id}-readonly`} className={styles.writeHint}>
          {readOnlyReason}
        </span>
      )}
    </span>
  );

  let body: React.ReactNode;
  if (groups.isPending) body = <LoadingState label="Loading runner groups…" />;
  else if (groups.isError && !groups.data) {
    body = (
      <StateBox
        tone="error"
        title="Runner groups could not be loaded"
        action={
          <Button onClick={() => void groups.refetch()} disabled={groups.isFetching}>
            Try again
          </Button>
        }
      >
        {errorMessage(groups.error)}
      </StateBox>
    );
  } else if (all.length === 0) {
    body = (
      <StateBox title="No runner groups yet" action={newButton}>
        <p>
          A runner group is a pool of self-hosted runners installed in one place — a Kubernetes namespace, a Docker host or an
          EC2 instance. Runners dial out to Paddock with the group's registration key; here you see whether they are
          connected, on which version, and update them together.
        </p>
      </StateBox>
    );
  } else {
    body = <GroupList groups={all} onAction={onAction} state={listState} onStateChange={onListStateChange} now={now} stale={stale} />;
  }

  return (
    <>
      <div className={styles.header}>
        <h1 className={styles.title} ref={headingRef} tabIndex={-1}>
          Runners
        </h1>
        {all.length > 0 ? newButton : null}
      </div>
      {stale ? (
        <p className={styles.asOf}>
          Last known state, as of <time dateTime={new Date(groups.dataUpdatedAt).toISOString()}>{formatClock(groups.dataUpdatedAt)}</time> (
          {formatRelative(new Date(groups.dataUpdatedAt).toISOString(), now, { exact: true })}): the control plane cannot be reached.
        </p>
      ) : null}
      {body}
      <LoadBoundary key={edit ? `edit-${edit.groupId}` : 'no-edit'} onDismiss={onCloseEdit}>
        <Suspense fallback={null}>
          {edit && editGroup ? (
            <EditGroupDialog
              group={editGroup}
              onClose={onCloseEdit}
              onCloseAutoFocus={restoreFocus(editGroup.id)}
              selectedInstanceId={edit.instanceId}
              onSelectInstance={onSelectInstance}
              filters={edit.filters}
              onFiltersChange={onInstanceFiltersChange}
            />
          ) : null}
          {missing ? <MissingGroupDialog onClose={onCloseEdit} onCloseAutoFocus={restoreFocus(null)} /> : null}
        </Suspense>
      </LoadBoundary>
      <LoadBoundary key={dialog?.kind ?? 'none'} onDismiss={close}>
        <Suspense fallback={null}>
          {dialog?.kind === 'update' && dialogGroup ? (
            <UpdateDialog group={dialogGroup} onClose={close} onCloseAutoFocus={restoreFocus(dialogGroup.id)} />
          ) : null}
          {dialog?.kind === 'delete' && dialogGroup ? (
            <DeleteDialog group={dialogGroup} onClose={close} onCloseAutoFocus={restoreFocus(dialogGroup.id)} />
          ) : null}
        </Suspense>
      </LoadBoundary>
    </>
  );
}
