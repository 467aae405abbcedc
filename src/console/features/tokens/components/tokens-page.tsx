import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import type { ApiToken } from '../../../../contract/tokens';
import { LoadingState, StateBox } from '../../../components/page-state';
import { Badge } from '../../../components/ui/badge';
import { Button } from '../../../components/ui/button';
import { ConfirmDialog } from '../../../components/ui/confirm-dialog';
import { errorMessage } from '../../../lib/api-client';
import { formatDateTime, formatRelative } from '../../../lib/format';
import { usePermissions } from '../../../lib/permissions';
import { useRevokeToken } from '../api/mutations';
import { tokensQuery } from '../api/queries';
import { expiryText, scopeLabel } from '../model';
import { NewTokenDialog } from './new-token-dialog';
import styles from './tokens.module.css';
import { UsageExample } from './usage-example';

/** API tokens (`/settings/tokens`): make one (its secret shown once), see them, revoke them; how to call the API. */
export function TokensPage() {
  const { role } = usePermissions();
  const tokens = useQuery(tokensQuery());
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<ApiToken | null>(null);

  return (
    <div className={styles.page}>
      <div className={styles.header}>
        <h1 className={styles.title}>API tokens</h1>
        <Button variant="primary" onClick={() => setCreating(true)}>
          New API token
        </Button>
      </div>
      <p className={styles.intro}>
        Scripts and tools such as Terraform call Paddock's API with a token instead of signing in. A token does what its owner's
        role allows and no more; a Read token changes nothing; no token can manage tokens or users.
        {role === 'admin' ? ' As an admin you see and can revoke everyone\'s tokens.' : ''}
      </p>
      {tokens.isPending ? (
        <LoadingState label="Loading API tokens…" />
      ) : tokens.isError && !tokens.data ? (
        <StateBox tone="error" title="API tokens could not be loaded" action={<Button onClick={() => void tokens.refetch()}>Try again</Button>}>
          {errorMessage(tokens.error)}
        </StateBox>
      ) : tokens.data.length === 0 ? (
        <StateBox title="No API tokens yet" action={<Button onClick={() => setCreating(true)}>New API token</Button>}>
          Make one for each script or tool, so each can be revoked on its own.
        </StateBox>
      ) : (
        <TokenTable tokens={tokens.data} showOwner={role === 'admin'} onRevoke={setRevoking} />
      )}
      <UsageExample />
      {creating ? <NewTokenDialog onClose={() => setCreating(false)} /> : null}
      {revoking ? <RevokeDialog token={revoking} onClose={() => setRevoking(null)} /> : null}
    </div>
  );
}

function TokenTable({ tokens, showOwner, onRevoke }: { tokens: ApiToken[]; showOwner: boolean; onRevoke: (t: ApiToken) => void }) {
  const now = Date.now();
  return (
    <div className={styles.tableWrap}>
      <table className={styles.table}>
        <caption className="sr-only">{showOwner ? 'All API tokens' : 'Your API tokens'}</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Scope</th>
            {showOwner ? <th scope="col">Owner</th> : null}
            <th scope="col">Created</th>
            <th scope="col">Expires</th>
            <th scope="col">Last used</th>
            <th scope="col">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {tokens.map((t) => {
            const expiry = expiryText(t, now);
            return (
              <tr key={t.id}>
                <th scope="row" className={styles.name}>
                  {t.name}
                  <span className={styles.prefix}>{t.prefix}…</span>
                </th>
                <td>
                  <Badge tone={t.scope === 'write' ? 'warning' : 'neutral'}>{scopeLabel[t.scope]}</Badge>
                </td>
                {showOwner ? <td className={styles.name}>{t.owner}</td> : null}
                <td className={styles.nowrap}>{formatDateTime(t.createdAt)}</td>
                <td>{expiry.expired ? <Badge tone="danger">{expiry.text}</Badge> : expiry.text}</td>
                <td>
                  {t.lastUsedAt ? (
                    <>
                      <span title={t.lastUsedAt}>{formatRelative(t.lastUsedAt, now)}</span>
                      {t.lastUsedFrom ? <span className={styles.muted}> from {t.lastUsedFrom}</span> : null}
                    </>
                  ) : (
                    <span className={styles.muted}>Never used</span>
                  )}
                </td>
                <td>
                  <Button size="sm" variant="danger" onClick={() => onRevoke(t)} aria-label={`Revoke ${t.name}`}>
                    Revoke
                  </Button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function RevokeDialog({ token, onClose }: { token: ApiToken; onClose: () => void }) {
  const revoke = useRevokeToken();
  // Stays open until the server has answered, so a failure is shown inside it.
  return (
    <ConfirmDialog
      title={`Revoke ${token.name}?`}
      description="Scripts that use it are refused from now on (401). This cannot be undone."
      confirmLabel="Revoke"
      pendingLabel="Revoking…"
      variant="danger"
      pending={revoke.isPending}
      error={revoke.isError ? errorMessage(revoke.error) : null}
      onConfirm={() => revoke.mutate(token.id, { onSuccess: onClose })}
      onClose={onClose}
    />
  );
}
