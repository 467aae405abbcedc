import type { Clock } from './clock';
import type { ServerConfig } from './config';
import type { Logger } from './logger';
import type { Outbox } from './notifications/outbox';
import type { Db } from './store/db';

/** What every domain module is built from; passed in, never global. */
export interface Deps {
  db: Db;
  clock: Clock;
  config: ServerConfig;
  logger: Logger;
  /** Where a change that channels may want to hear about is recorded, in the change's own transaction. */
  outbox?: Outbox;
}
