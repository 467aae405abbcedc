// Alert latency (PRODUCT.md §9, §12): a group's last runner SIGKILLed → its group.down webhook
// received by a real receiver on loopback, with the control plane's defaults (heartbeat 5 s, offline
// after 20 s, PADDOCK_ALERT_AFTER_SECONDS 60). Target: offline window + alert delay + 2 s.
import { api, type RunnerGroup } from '../src/contract';
import { startReceiver } from '../src/server/testing/receivers';
import { type RunnerProcess, startControlPlane, startRunner } from '../src/testing/processes';
import type { MedianMax } from './lib/results';
import { medianMax } from './lib/stats';

export interface AlertFigures {
  latencyMs: MedianMax;
  targetMs: number;
  offlineAfterSeconds: number;
  alertAfterSeconds: number;
  notes: string[];
}

const offlineAfterSeconds = 20;
const alertAfterSeconds = 60;

export async function measureAlerts(o: { runs: number; log: (line: string) => void }): Promise<AlertFigures> {
  const cp = await startControlPlane();
  const readyAt = Date.now();
  const receiver = await startReceiver();
  const runners: RunnerProcess[] = [];
  try {
    const session = await cp.signIn();
    const channel = await session.request('POST', api.notificationChannels, { name: 'Bench pager', type: 'webhook', url: receiver.url, events: ['group.down'] });
    if (channel.status !== 201) throw new Error(`creating the channel: HTTP ${channel.status}`);
    const groups: Array<{ id: string; runner: RunnerProcess }> = [];
    for (let i = 1; i <= o.runs; i++) {
      const g = await session.createGroup(`Alert run ${String(i).padStart(2, '0')}`);
      const runner = startRunner({ server: cp.url, key: g.registrationKey, name: `alert-run-${i}`, platform: 'process', version: '1.4.0' });
      runners.push(runner);
      groups.push({ id: g.id, runner });
    }
    for (const g of groups) {
      const deadline = Date.now() + 60_000;
      while (((await session.request('GET', api.runnerGroup(g.id))).body as RunnerGroup).connectedCount < 1) {
        if (Date.now() > deadline) throw new Error(`group ${g.id} never connected:\n${g.runner.output().slice(-1500)}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    // Past the start-up grace (one offline window), so the figure is the steady state.
    const graceLeft = readyAt + (offlineAfterSeconds + 1) * 1000 - Date.now();
    if (graceLeft > 0) await new Promise((r) => setTimeout(r, graceLeft));

    // Killed 1.3 s apart, so they fall at different phases of the 5 s heartbeat and the 1 s sweep.
    const samples = await Promise.all(
      groups.map(async (g, i) => {
        await new Promise((r) => setTimeout(r, i * 1300));
        const t0 = Date.now();
        g.runner.killGroup();
        const deadline = t0 + (offlineAfterSeconds + alertAfterSeconds + 60) * 1000;
        for (;;) {
          const hit = receiver.received.find((r) => {
            const p = JSON.parse(r.body) as { type: string; data: { group?: { id: string } } };
            return p.type === 'group.down' && p.data.group?.id === g.id;
          });
          if (hit) {
            o.log(`alert run ${i + 1}: group.down received ${hit.at - t0} ms after SIGKILL`);
            return hit.at - t0;
          }
          if (Date.now() > deadline) throw new Error(`no group.down for run ${i + 1} within ${deadline - t0} ms`);
          await new Promise((r) => setTimeout(r, 50));
        }
      }),
    );
    const downs = receiver.received.filter((r) => r.body.includes('"group.down"')).length;
    return {
      latencyMs: medianMax(samples),
      targetMs: (offlineAfterSeconds + alertAfterSeconds + 2) * 1000,
      offlineAfterSeconds,
      alertAfterSeconds,
      notes: [
        `alerts: defaults (heartbeat 5 s, offline after ${offlineAfterSeconds} s, alert after ${alertAfterSeconds} s); ${o.runs} groups of one real runner process each, SIGKILLed (process group) 1.3 s apart; latency = kill → group.down webhook received by a receiver on loopback; ${downs} group.down webhooks for ${o.runs} outages`,
      ],
    };
  } finally {
    for (const r of runners) r.killGroup();
    await receiver.stop();
    await cp.dispose();
  }
}
