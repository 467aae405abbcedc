import { randomUUID } from 'node:crypto';
import type { Role, Session } from '../contract';
import {
  emptyLimitState,
  generatePassword,
  hashPassword,
  type LimitRule,
  limitRetryAfter,
  limitRule,
  limitWithFailure,
  limitWithoutFailure,
  sessionAbsoluteMs,
  sessionAlive,
  sessionIdleMs,
  verifyPassword,
} from './auth';
import type { Deps } from './deps';
import { hashSecret, newSessionId } from './keys';
import { HttpProblem } from './problem';
import { recordAudit } from './store/audit';
import type { Queryable } from './store/db';
import { lockFirstAdmin } from './store/locks';
import { deleteSignInLimit, lockSignInLimits, pruneSignInLimits, saveSignInLimit } from './store/sign-in-limits';
import { claimFirstAdminCreation, isFirstAdminCreated } from './store/settings';
import {
  deleteSession,
  deleteUser,
  findSession,
  findSessionTimes,
  findUser,
  insertSession,
  insertUser,
  listUsers,
  pruneSessions,
  setPassword,
  touchSession,
} from './store/users';

/** The one message every failed sign-in gets, so it reveals nothing. */
export const signInFailed = 'Wrong username or password.';

/**
 * Sign-in limits, each counted per key: five failures for one user name from one address, twenty
 * for one user name from anywhere, fifty from one address whatever the name.
 */
const limitRules = { pair: limitRule(5), user: limitRule(20), client: limitRule(50) } as const;

/** Users, passwords and console sessions. */
export class Accounts {
  private dummyHash: Promise<string> | null = null;

  constructor(private readonly deps: Deps) {}

  /**
   * Creates the first admin, `admin`, once per database (users added with the CLI before the first
   * start do not prevent it); answers the generated password when none was configured.
   */
  async ensureFirstAdmin(): Promise<string | null> {
    const { db, config, clock } = this.deps;
    if (await isFirstAdminCreated(db)) return null;
    const password = config.adminPassword || generatePassword();
    const passwordHash = await hashPassword(password);
    return db.transaction(async (tx) => {
      await lockFirstAdmin(tx);
      if (!(await claimFirstAdminCreation(tx))) return null;
      if (await findUser(tx, 'admin')) return null;
      await insertUser(tx, { id: randomUUID(), username: 'admin', passwordHash, role: 'admin', at: clock.now() });
      return config.adminPassword ? null : password;
    });
  }

  async signIn(username: string, password: string, clientKey: string): Promise<{ sessionId: string; session: Session }> {
    const { db, clock } = this.deps;
    const name = username.toLowerCase();
    const keys: Array<[string, LimitRule]> = [
      [`p:${name}|${clientKey}`, limitRules.pair],
      [`u:${name}`, limitRules.user],
      [`c:${clientKey}`, limitRules.client],
    ];
    // Every attempt counts as a failure before its password is checked, so parallel guesses
    // cannot all pass the check first; a right password takes its count back afterwards.
    const at = clock.now();
    const wait = await db.transaction(async (tx) => {
      const states = await lockSignInLimits(tx, keys.map(([k]) => k), at);
      const longest = Math.max(...keys.map(([k]) => limitRetryAfter(states.get(k) ?? emptyLimitState, at.getTime())));
      if (longest > 0) return longest;
      for (const [k, rule] of keys) await saveSignInLimit(tx, k, limitWithFailure(states.get(k) ?? emptyLimitState, rule, at.getTime()), at);
      return 0;
    });
    if (wait > 0) {
      throw new HttpProblem(429, 'Too Many Requests', 'Too many failed sign-ins. Try again later.', {}, { 'Retry-After': String(wait) });
    }
    const user = await findUser(db, username);
    this.dummyHash ??= hashPassword(generatePassword());
    const ok = await verifyPassword(password, user?.password_hash ?? (await this.dummyHash));
    if (!user || !ok) throw new HttpProblem(401, 'Unauthorized', signInFailed);
    await db.transaction(async (tx) => {
      const states = await lockSignInLimits(tx, keys.map(([k]) => k), at);
      const [pair, ...others] = keys;
      await deleteSignInLimit(tx, pair![0]);
      for (const [k] of others) await saveSignInLimit(tx, k, limitWithoutFailure(states.get(k) ?? emptyLimitState, at.getTime()), at);
    });
    const sessionId = newSessionId();
    await insertSession(db, { idHash: hashSecret(sessionId), userId: user.id, at: clock.now() });
    return { sessionId, session: { username: user.username, role: user.role } };
  }

  /** The session behind a cookie value, refreshing its idle timer; null when absent or expired. */
  async resolve(sessionId: string): Promise<Session | null> {
    const { db, clock } = this.deps;
    const idHash = hashSecret(sessionId);
    const row = await findSession(db, idHash);
    if (!row) return null;
    const now = clock.now();
    if (!sessionAlive(new Date(row.created_at), new Date(row.last_seen_at), now)) {
      await deleteSession(db, idHash);
      return null;
    }
    // Touch at most every 30 s: the idle timeout does not need more precision than that.
    if (now.getTime() - new Date(row.last_seen_at).getTime() > 30_000) await touchSession(db, idHash, now);
    return { username: row.username, role: row.role };
  }

  async signOut(sessionId: string): Promise<void> {
    const idHash = hashSecret(sessionId);
    await deleteSession(this.deps.db, idHash);
    this.endStreams(idHash);
  }

  // ---- long-lived requests (the event stream) end with their session ----

  /** How often the sessions of open streams are checked (one query for all of them). */
  static readonly streamCheckMs = 1000;
  private streams = new Map<string, Set<() => void>>();
  private streamTimer: NodeJS.Timeout | null = null;
  private checking = false;

  /**
   * Calls `end` once the session behind this cookie value ends — signed out (here at once, on another
   * replica within a check), its user removed, idle or past its absolute timeout. Holding a stream
   * open does not count as activity. Answers a function that stops watching.
   */
  watchSession(sessionId: string, end: () => void): () => void {
    const idHash = hashSecret(sessionId);
    const ends = this.streams.get(idHash) ?? new Set();
    this.streams.set(idHash, ends);
    ends.add(end);
    if (!this.streamTimer) {
      this.streamTimer = setInterval(() => void this.checkStreams(), Accounts.streamCheckMs);
      this.streamTimer.unref();
    }
    return () => {
      const set = this.streams.get(idHash);
      set?.delete(end);
      if (set && set.size === 0) this.streams.delete(idHash);
      if (this.streams.size === 0) this.stopWatching();
    };
  }

  /** Stops the stream check (the app stops). */
  stopWatching(): void {
    if (this.streamTimer) clearInterval(this.streamTimer);
    this.streamTimer = null;
  }

  private endStreams(idHash: string): void {
    const ends = this.streams.get(idHash);
    this.streams.delete(idHash);
    for (const end of ends ?? []) end();
    if (this.streams.size === 0) this.stopWatching();
  }

  /** One query for every watched session; those gone or expired end their streams. */
  async checkStreams(): Promise<void> {
    if (this.checking || this.streams.size === 0) return;
    this.checking = true;
    try {
      const rows = await findSessionTimes(this.deps.db, [...this.streams.keys()]);
      const now = this.deps.clock.now();
      const alive = new Set(rows.filter((r) => sessionAlive(new Date(r.created_at), new Date(r.last_seen_at), now)).map((r) => r.id_hash));
      for (const idHash of [...this.streams.keys()]) if (!alive.has(idHash)) this.endStreams(idHash);
    } catch (err) {
      // The database is away: keep the streams (they carry nothing meanwhile) and look again next time.
      this.deps.logger.debug('session check of open streams failed', { err });
    } finally {
      this.checking = false;
    }
  }

  /** Deletes expired sessions (the sweeper's retention duty, in its transaction when it passes one). */
  async prune(q: Queryable = this.deps.db): Promise<void> {
    const now = this.deps.clock.now().getTime();
    await pruneSessions(q, new Date(now - sessionIdleMs), new Date(now - sessionAbsoluteMs));
    // A day untouched: every window and lock (at most 15 minutes each) is long over.
    await pruneSignInLimits(q, new Date(now - 24 * 3600 * 1000));
  }

  // ---- the users CLI ----

  async addUser(username: string, role: Role, password?: string): Promise<string> {
    const { db, clock } = this.deps;
    if (!/^[A-Za-z0-9._@-]{1,128}$/.test(username)) {
      throw new Error('user names are 1–128 letters, digits, ".", "_", "@" or "-"');
    }
    const pw = password ?? generatePassword();
    if (pw.length < 8) throw new Error('passwords must be at least 8 characters');
    const created = await db.transaction(async (tx) => {
      const ok = await insertUser(tx, { id: randomUUID(), username, passwordHash: await hashPassword(pw), role, at: clock.now() });
      if (ok) await recordAudit(tx, { at: clock.now(), actor: 'cli', action: 'user.added', group: null, detail: { username, role } });
      return ok;
    });
    if (!created) throw new Error(`user "${username}" already exists`);
    return pw;
  }

  async listUsers(): Promise<Array<{ username: string; role: Role; createdAt: string }>> {
    return (await listUsers(this.deps.db)).map((u) => ({ username: u.username, role: u.role, createdAt: new Date(u.created_at).toISOString() }));
  }

  async removeUser(username: string): Promise<void> {
    const { db, clock } = this.deps;
    const ok = await db.transaction(async (tx) => {
      const removed = await deleteUser(tx, username);
      if (removed) await recordAudit(tx, { at: clock.now(), actor: 'cli', action: 'user.removed', group: null, detail: { username } });
      return removed;
    });
    if (!ok) throw new Error(`no user "${username}"`);
  }

  async resetPassword(username: string, password?: string): Promise<string> {
    const { db, clock } = this.deps;
    const pw = password ?? generatePassword();
    if (pw.length < 8) throw new Error('passwords must be at least 8 characters');
    const hash = await hashPassword(pw);
    const ok = await db.transaction(async (tx) => {
      const changed = await setPassword(tx, username, hash);
      if (changed) await recordAudit(tx, { at: clock.now(), actor: 'cli', action: 'user.password_reset', group: null, detail: { username } });
      return changed;
    });
    if (!ok) throw new Error(`no user "${username}"`);
    return pw;
  }
}
