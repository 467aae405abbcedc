import type { Db } from './store/db';
import { eventsChannel, type StoredEvent } from './store/events';
import type { Logger } from './logger';

/** Fans the database's NOTIFYs out to this process's subscribers (SSE streams, caches). */
export class EventHub {
  private subscribers = new Set<(event: StoredEvent) => void>();
  private unlisten: (() => Promise<void>) | null = null;

  constructor(
    private readonly db: Db,
    private readonly logger: Logger,
  ) {}

  private connectionWatchers = new Set<(up: boolean) => void>();
  private listening = true;

  /**
   * False while the LISTEN connection is lost (PostgreSQL only): changes made meanwhile, here or on
   * another replica, reach nobody, so nothing may be cached on the strength of notifications.
   */
  get live(): boolean {
    return this.listening;
  }

  /**
   * Hears when notifications stop (false) and when they flow again (true). On true, whatever was
   * notified in between is lost: caches drop everything and consoles are told to refetch (`resync`).
   */
  onConnection(fn: (up: boolean) => void): () => void {
    this.connectionWatchers.add(fn);
    return () => this.connectionWatchers.delete(fn);
  }

  private connectionChanged(up: boolean): void {
    this.listening = up;
    if (up) this.logger.info('event notifications are back; caches dropped, consoles told to resync');
    else this.logger.warn('lost the connection that listens for events; reconnecting');
    for (const w of this.connectionWatchers) {
      try {
        w(up);
      } catch (err) {
        this.logger.error('event connection watcher failed', { err });
      }
    }
  }

  async start(): Promise<void> {
    if (this.unlisten) return;
    this.unlisten = await this.db.listen(eventsChannel, (payload) => this.deliver(payload), (up) => this.connectionChanged(up));
  }

  private deliver(payload: string): void {
    let event: StoredEvent;
    try {
      event = JSON.parse(payload) as StoredEvent;
    } catch {
      this.logger.warn('ignored a malformed event notification');
      return;
    }
    for (const s of this.subscribers) {
      try {
        s(event);
      } catch (err) {
        this.logger.error('event subscriber failed', { err });
      }
    }
  }

  private streamEnders = new Set<() => void>();

  /** Registers a way to end a long-lived stream when the server shuts down. */
  onShutdown(end: () => void): () => void {
    this.streamEnders.add(end);
    return () => this.streamEnders.delete(end);
  }

  /** Ends every open event stream (shutdown), so their connections can close cleanly. */
  endStreams(): void {
    for (const end of this.streamEnders) end();
    this.streamEnders.clear();
  }

  subscribe(fn: (event: StoredEvent) => void): () => void {
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  }

  get size(): number {
    return this.subscribers.size;
  }

  async stop(): Promise<void> {
    const u = this.unlisten;
    this.unlisten = null;
    if (u) await u().catch(() => {});
  }
}
