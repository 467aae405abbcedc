import { randomUUID } from 'node:crypto';
import type { ApiToken, CreatedToken, CreateTokenBody, Session, TokenScope } from '../contract';
import type { Deps } from './deps';
import { hashSecret, keyPrefix, newApiTokenSecret } from './keys';
import { badRequest, conflict, notFound } from './problem';
import {
  type ApiTokenRow,
  deleteApiToken,
  findApiToken,
  findApiTokenBySecretHash,
  insertApiToken,
  listApiTokens,
  touchApiToken,
} from './store/api-tokens';
import { recordAudit } from './store/audit';
import { findUser } from './store/users';

/** The token a request was made with, as the routes see it. */
export interface TokenCredential {
  id: string;
  name: string;
  scope: TokenScope;
}

/** Last use is written at most this often per token, so a busy script does not write on every call. */
export const tokenUsageWriteMs = 60_000;

const shapeOnly = /^pat_[0-9A-Za-z]{40}$/;
const missing = () => notFound('No API token with this id.');

function view(row: ApiTokenRow): ApiToken {
  const iso = (d: Date | null) => (d === null ? null : new Date(d).toISOString());
  return {
    id: row.id,
    name: row.name,
    scope: row.scope,
    prefix: row.prefix,
    owner: row.owner,
    createdAt: new Date(row.created_at).toISOString(),
    expiresAt: iso(row.expires_at),
    lastUsedAt: iso(row.last_used_at),
    lastUsedFrom: row.last_used_from,
  };
}

/** API tokens (PRODUCT.md §13): made, listed and revoked by their owners (admins: anyone's), resolved per request. */
export class ApiTokens {
  /** What ends when a token is revoked here (its open event streams), by token id. */
  private readonly revokedListeners = new Map<string, Set<() => void>>();

  constructor(private readonly deps: Deps) {}

  /**
   * Calls `fn` once when this replica revokes the token; answers the unsubscribe. Another replica's
   * revocation is not seen here: holders of long requests also ask `isLive` from time to time.
   */
  onRevoked(id: string, fn: () => void): () => void {
    const set = this.revokedListeners.get(id) ?? new Set<() => void>();
    this.revokedListeners.set(id, set);
    set.add(fn);
    return () => {
      set.delete(fn);
      if (set.size === 0 && this.revokedListeners.get(id) === set) this.revokedListeners.delete(id);
    };
  }

  /** Whether the token still exists and has not expired (for requests that outlive their check, e.g. event streams). */
  async isLive(id: string): Promise<boolean> {
    const row = await findApiToken(this.deps.db, id);
    return row !== null && (row.expires_at === null || new Date(row.expires_at).getTime() > this.deps.clock.now().getTime());
  }

  /** Makes a token for `owner`; the answer is the only place its secret ever appears. */
  async create(actor: string, owner: string, body: CreateTokenBody): Promise<CreatedToken> {
    const { db, clock } = this.deps;
    const now = clock.now();
    const expiresAt = body.expiresAt ? new Date(body.expiresAt) : null;
    if (expiresAt && expiresAt.getTime() <= now.getTime()) throw badRequest([{ field: 'expiresAt', message: 'must be in the future' }]);
    const secret = newApiTokenSecret();
    const id = randomUUID();
    return db.transaction(async (tx) => {
      const user = await findUser(tx, owner);
      if (!user) throw notFound(`No user "${owner}".`);
      const ok = await insertApiToken(tx, {
        id,
        userId: user.id,
        name: body.name,
        scope: body.scope,
        secretHash: hashSecret(secret),
        prefix: keyPrefix(secret),
        at: now,
        expiresAt,
      });
      if (!ok) throw conflict(`${user.username} already has an API token named "${body.name}" (names are compared ignoring case).`);
      await recordAudit(tx, {
        at: now,
        actor,
        action: 'token.created',
        group: null,
        detail: { name: body.name, scope: body.scope, owner: user.username, prefix: keyPrefix(secret), expiresAt: expiresAt?.toISOString() ?? null },
      });
      const row = await findApiToken(tx, id);
      return { token: view(row!), secret };
    });
  }

  /** The tokens `viewer` may see: their own, or everyone's for an admin (and for the CLI, `viewer` null). */
  async list(viewer: Session | null, owner?: string): Promise<ApiToken[]> {
    const of = viewer === null || viewer.role === 'admin' ? (owner ?? null) : viewer.username;
    return (await listApiTokens(this.deps.db, of)).map(view);
  }

  /** Revokes a token its owner, an admin or the CLI (`viewer` null) names; 404 for anyone else's. */
  async revoke(actor: string, viewer: Session | null, id: string): Promise<void> {
    const { db, clock } = this.deps;
    await db.transaction(async (tx) => {
      const row = await findApiToken(tx, id);
      if (!row) throw missing();
      if (viewer !== null && viewer.role !== 'admin' && row.owner.toLowerCase() !== viewer.username.toLowerCase()) throw missing();
      if (!(await deleteApiToken(tx, id))) throw missing();
      await recordAudit(tx, {
        at: clock.now(),
        actor,
        action: 'token.revoked',
        group: null,
        detail: { name: row.name, scope: row.scope, owner: row.owner, prefix: row.prefix },
      });
    });
    // Only once the revocation is committed: what the token holds open ends now.
    const listeners = this.revokedListeners.get(id);
    this.revokedListeners.delete(id);
    for (const fn of listeners ?? []) fn();
  }

  /**
   * The user and token behind a bearer secret, or null when it is unknown, revoked or expired. The
   * owner's role is read on every call, so a demoted or removed owner takes effect at once.
   */
  async resolve(secret: string, from: string | null): Promise<{ session: Session; token: TokenCredential } | null> {
    if (!shapeOnly.test(secret)) return null;
    const { db, clock, logger } = this.deps;
    const row = await findApiTokenBySecretHash(db, hashSecret(secret));
    if (!row) return null;
    const now = clock.now();
    if (row.expires_at !== null && new Date(row.expires_at).getTime() <= now.getTime()) return null;
    const last = row.last_used_at === null ? null : new Date(row.last_used_at).getTime();
    if (last === null || now.getTime() - last >= tokenUsageWriteMs) {
      await touchApiToken(db, row.id, now, from, new Date(now.getTime() - tokenUsageWriteMs)).catch((err) =>
        logger.warn('could not record an API token use', { err, id: row.id }),
      );
    }
    return { session: { username: row.owner, role: row.role }, token: { id: row.id, name: row.name, scope: row.scope } };
  }
}
