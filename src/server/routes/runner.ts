import { Hono } from 'hono';
import { HeartbeatBody, RegisterBody, RunnerEventBody, TerminationReportBody } from '../../contract';
import { type AppEnv, bearer, jsonAnswer, parseBody } from '../http';
import { HttpProblem, keyRevokedDetail } from '../problem';
import { type RunnerProtocol, tokenRevokedDetail } from '../runner-protocol';

/**
 * `/api/v1/runner/*`: the runner-facing protocol, authenticated by bearer key or instance token. A
 * request without one is refused (401) before its body is read.
 */
export function runnerRoutes(protocol: RunnerProtocol) {
  const r = new Hono<AppEnv>();
  r.post('/register', async (c) => {
    const token = bearer(c);
    if (!token) throw new HttpProblem(401, 'Unauthorized', keyRevokedDetail);
    const body = await parseBody(c, RegisterBody);
    return jsonAnswer(await protocol.register(token, body), 201);
  });
  r.post('/heartbeat', async (c) => {
    const token = bearer(c);
    if (!token) throw new HttpProblem(401, 'Unauthorized', tokenRevokedDetail);
    const body = await parseBody(c, HeartbeatBody);
    return jsonAnswer(await protocol.heartbeat(token, body));
  });
  r.post('/events', async (c) => {
    const token = bearer(c);
    if (!token) throw new HttpProblem(401, 'Unauthorized', tokenRevokedDetail);
    const body = await parseBody(c, RunnerEventBody);
    await protocol.event(token, body);
    return jsonAnswer({}, 202);
  });
  r.post('/terminations', async (c) => {
    const key = bearer(c);
    if (!key) throw new HttpProblem(401, 'Unauthorized', keyRevokedDetail);
    const body = await parseBody(c, TerminationReportBody);
    const { recorded, answer } = await protocol.reportTermination(key, body);
    return jsonAnswer(answer, recorded ? 202 : 200);
  });
  return r;
}
