import { useQuery } from '@tanstack/react-query';
import { Suspense, useEffect, useId, useRef, useState } from 'react';
import type { RunnerGroup } from '../../../../contract';
import { LoadBoundary } from '../../../components/load-boundary';
import { retryableLazy } from '../../../components/retryable-lazy';
import { errorMessage } from '../../../lib/api-client';
import { usePermissions } from '../../../lib/permissions';
import { LoadingState, StateBox } from '../../../components/page-state';
import { Button } from '../../../components/ui/button';
import { toast } from '../../../components/ui/toast-store';
import { runnerGroupsQuery } from '../../../entities/runner-group/queries';
import { useSetDefault } from '../api/mutations';
import type { GroupAction } from './group-actions-menu';
import { GroupList } from './group-list';
import styles from './runners-page.module.css';

// Dialogs load when first opened: the Runners page's initial JavaScript stays small.
const EditGroupDialog = retryableLazy(() => import('./edit-group-dialog').then((m) => m.EditGroupDialog));
const UpdateDialog = retryableLazy(() => import('./update-dialog').then((m) => m.UpdateDialog));
const DeleteDialog = retryableLazy(() => import('./delete-dialog').then((m) => m.DeleteDialog));

type OpenDialog = { kind: 'edit' | 'update' | 'delete'; groupId: string; name: string } | null;

/** Where focus goes when a dialog opened from this page closes (a dialog's onCloseAutoFocus). */
export type RestoreFocus = (event: Event) => void;

/**
 * The Runners page: every runner group with its health, versions and actions, and the dialogs of
 * those actions. New Runner Group and Rotate key hand the key to the install feature: the route opens
 * them when the page asks (`onNewGroup`, `onRotateKey`).
 */
export function RunnersPage({
  onNewGroup,
  onRotateKey,
}: {
  onNewGroup: (restoreFocus: RestoreFocus) => void;
  onRotateKey: (group: RunnerGroup, restoreFocus: RestoreFocus) => void;
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

  const all = groups.data ?? [];
  // Dialogs follow the live data of their group; a deleted group closes its dialog.
  const dialogGroup = dialog ? all.find((g) => g.id === dialog.groupId) : undefined;
  const close = () => setDialog(null);
  // Someone else deleted the group while its Edit dialog was open: say so instead of just vanishing.
  const deletedName = dialog?.kind === 'edit' && groups.data && !dialogGroup ? dialog.name : null;
  useEffect(() => {
    if (deletedName === null) return;
    toast({ title: `${deletedName} was deleted`, description: 'It was deleted while you had it open; its instances were cut off.', tone: 'danger' });
    setDialog(null);
  }, [deletedName]);
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
    else setDialog({ kind: action, groupId: group.id, name: group.name });
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
    body = <GroupList groups={all} onAction={onAction} />;
  }

  return (
    <>
      <div className={styles.header}>
        <h1 className={styles.title} ref={headingRef} tabIndex={-1}>
          Runners
        </h1>
        {all.length > 0 ? newButton : null}
      </div>
      {body}
      <LoadBoundary key={dialog?.kind ?? 'none'} onDismiss={close}>
        <Suspense fallback={null}>
          {dialog?.kind === 'edit' && dialogGroup ? (
            <EditGroupDialog group={dialogGroup} onClose={close} onCloseAutoFocus={restoreFocus(dialogGroup.id)} />
          ) : null}
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
