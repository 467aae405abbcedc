// Live propagation: a change made on the server by another client (a rename through the API) →
// visible in an open console. Reference: the API round trip of the change itself, in the same run.
import type { MedianMax } from './lib/results';
import { openStage } from './lib/stage';
import { medianMax } from './lib/stats';

export interface LiveFigures {
  propagationMs: MedianMax;
  reference: { requestMs: MedianMax };
  notes: string[];
}

export async function measureLive(o: { runs: number; log: (line: string) => void }): Promise<LiveFigures> {
  const stage = await openStage();
  try {
    const groups = [];
    for (let i = 1; i <= o.runs; i++) {
      const name = `Live ${String(i).padStart(2, '0')}`;
      const seen = await stage.watch(name, '', 30_000);
      groups.push(await stage.session.createGroup(name));
      await seen();
    }
    const shown: number[] = [];
    const request: number[] = [];
    for (const [i, g] of groups.entries()) {
      const renamed = `Renamed ${String(i + 1).padStart(2, '0')}`;
      const seen = await stage.watch(renamed, '', 30_000);
      const t0 = Date.now();
      await stage.session.updateGroup(g.id, { name: renamed });
      request.push(Date.now() - t0);
      shown.push((await seen()) - t0);
      o.log(`live run ${i + 1}: shown after ${shown.at(-1)} ms (request ${request.at(-1)} ms)`);
    }
    return {
      propagationMs: medianMax(shown),
      reference: { requestMs: medianMax(request) },
      notes: [`live: ${o.runs} renames through the API by another session, timed from sending the PATCH to the new name in the open Runners page`],
    };
  } finally {
    await stage.close();
  }
}
