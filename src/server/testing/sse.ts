import { waitFor } from './db';
import { openApiChecker } from './openapi-check';

export interface SseMessage {
  event: string;
  id: string;
  data: string;
}

/** A Server-Sent Events client for tests: collects messages until closed. */
export async function openSse(url: string, headers: Record<string, string>) {
  const controller = new AbortController();
  const res = await fetch(url, { headers: { Accept: 'text/event-stream', ...headers }, signal: controller.signal });
  await openApiChecker().assertResponse('GET', new URL(url).pathname, res);
  const messages: SseMessage[] = [];
  const comments: string[] = [];
  let ended = false;
  if (!res.ok || !res.body) {
    return { res, messages, comments, close: () => controller.abort(), waitFor: async () => undefined as never, ended: () => true };
  }
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) {
          ended = true;
          return;
        }
        buffer += value;
        let cut = buffer.indexOf('\n\n');
        while (cut !== -1) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const msg: SseMessage = { event: 'message', id: '', data: '' };
          let isComment = true;
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments.push(line.slice(1).trim());
            else {
              isComment = false;
              const i = line.indexOf(':');
              const field = line.slice(0, i);
              const v = line.slice(i + 1).replace(/^ /, '');
              if (field === 'event') msg.event = v;
              if (field === 'id') msg.id = v;
              if (field === 'data') msg.data += v;
            }
          }
          if (!isComment) messages.push(msg);
          cut = buffer.indexOf('\n\n');
        }
      }
    } catch {
      // aborted
      ended = true;
    }
  })();
  return {
    res,
    messages,
    comments,
    close: () => controller.abort(),
    /** Waits for a message matching the predicate. */
    waitFor: (pred: (m: SseMessage) => boolean, timeoutMs = 10_000) =>
      waitFor(() => messages.find(pred), { timeoutMs, what: 'a matching server-sent event' }),
    /** Whether the server has ended the stream (or it was closed here). */
    ended: () => ended,
  };
}

/** Signs in against a running server and answers the Cookie header value. */
export async function signInTo(url: string, username: string, password: string): Promise<string> {
  const res = await fetch(`${url}/api/v1/session`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Requested-With': 'paddock' },
    body: JSON.stringify({ username, password }),
  });
  await openApiChecker().assertResponse('POST', '/api/v1/session', res);
  if (res.status !== 200) throw new Error(`sign-in failed: ${res.status}`);
  return (res.headers.get('set-cookie') ?? '').split(';')[0]!;
}

/** A JSON call against a running server, as the console or a runner would make it. */
export async function call(url: string, method: string, path: string, o: { cookie?: string; bearer?: string; body?: unknown } = {}) {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (o.cookie) {
    headers.Cookie = o.cookie;
    headers['X-Requested-With'] = 'paddock';
  }
  if (o.bearer) headers.Authorization = `Bearer ${o.bearer}`;
  const res = await fetch(`${url}${path}`, { method, headers, body: o.body === undefined ? undefined : JSON.stringify(o.body) });
  // Every answer is checked against the OpenAPI document, as Harness.call does.
  await openApiChecker().assertResponse(method, path, res);
  return res;
}
