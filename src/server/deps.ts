import type { Clock } from './clock';
import type { ServerConfig } from './config';
import type { Logger } from './logger';
import type { Db } from './store/db';

/** What every domain module is built from; passed in, never global. */
export interface Deps {
  db: Db;
  clock: Clock;
  config: ServerConfig;
  logger: Logger;
}
