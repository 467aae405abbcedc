import { setupServer } from 'msw/node';
import { handlers } from './handlers';
import { notificationChannelHandlers } from './notification-channels';

/** The msw server of the component tests; named overrides in overrides.ts add to it per test. */
export const server = setupServer(...handlers, ...notificationChannelHandlers);
