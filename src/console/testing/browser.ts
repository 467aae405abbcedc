import { setupWorker } from 'msw/browser';
import { handlers, withLatency } from './handlers';
import { healthyAndFailingChannels, notificationChannelHandlers } from './notification-channels';
import { advanceUpdates, seedFleet } from './seed';

/** Starts msw in the browser with a seeded fleet (`npm run dev:mock` only). */
export async function startMockWorker() {
  seedFleet();
  healthyAndFailingChannels();
  setInterval(advanceUpdates, 3_000);
  const worker = setupWorker(withLatency(250), ...handlers, ...notificationChannelHandlers);
  await worker.start({ onUnhandledRequest: 'bypass', quiet: true });
  console.info('Paddock mock mode: sign in as admin / admin-password or viewer / viewer-password.');
}
