import { HttpResponse, http } from 'msw';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { server } from '../testing/server';
import { ApiError, apiRequest, errorMessage, setUnauthorizedHandler } from './api-client';
import { getConnectionState, reportReachable } from './connection';

afterEach(() => {
  setUnauthorizedHandler(null);
  reportReachable();
});

describe('apiRequest', () => {
  it('sends the CSRF header and JSON on mutations, not on reads', async () => {
    const seen: Array<{ method: string; xrw: string | null; type: string | null; body: string }> = [];
    server.use(
      http.all('/api/v1/probe', async ({ request }) => {
        seen.push({
          method: request.method,
          xrw: request.headers.get('X-Requested-With'),
          type: request.headers.get('Content-Type'),
          body: await request.text(),
        });
        return HttpResponse.json({ ok: true });
      }),
    );
    await apiRequest('/api/v1/probe');
    await apiRequest('/api/v1/probe', { method: 'POST', body: { a: 1 } });
    expect(seen).toEqual([
      { method: 'GET', xrw: null, type: null, body: '' },
      { method: 'POST', xrw: 'paddock', type: 'application/json', body: '{"a":1}' },
    ]);
  });

  it('turns problem+json into an ApiError with field errors', async () => {
    server.use(
      http.post('/api/v1/probe', () =>
        HttpResponse.json(
          { type: 'about:blank', title: 'Bad Request', status: 400, detail: 'The request is not valid.', errors: [{ field: 'name', message: 'must not be empty' }] },
          { status: 400, headers: { 'Content-Type': 'application/problem+json' } },
        ),
      ),
    );
    const error = await apiRequest('/api/v1/probe', { method: 'POST', body: {} }).catch((e: unknown) => e);
    if (!(error instanceof ApiError)) throw new Error('expected an ApiError');
    expect(error.status).toBe(400);
    expect(error.fieldErrors).toEqual({ name: 'must not be empty' });
    expect(errorMessage(error)).toBe('The request is not valid.');
  });

  it('calls the 401 handler, except for quiet requests', async () => {
    server.use(http.get('/api/v1/probe', () => HttpResponse.json({ type: 'about:blank', title: 'Unauthorized', status: 401 }, { status: 401 })));
    const onUnauthorized = vi.fn();
    setUnauthorizedHandler(onUnauthorized);
    await apiRequest('/api/v1/probe', { quiet401: true }).catch(() => {});
    expect(onUnauthorized).not.toHaveBeenCalled();
    await apiRequest('/api/v1/probe').catch(() => {});
    expect(onUnauthorized).toHaveBeenCalledOnce();
  });

  it('reports a network failure as status 0 and the control plane as unreachable', async () => {
    server.use(http.get('/api/v1/probe', () => HttpResponse.error()));
    const error = await apiRequest('/api/v1/probe').catch((e: unknown) => e);
    if (!(error instanceof ApiError)) throw new Error('expected an ApiError');
    expect(error.isNetworkError).toBe(true);
    expect(errorMessage(error)).toBe('Cannot reach the control plane. Nothing was changed.');
    expect(getConnectionState()).toBe('reconnecting');
    server.use(http.get('/api/v1/probe', () => HttpResponse.json({})));
    await apiRequest('/api/v1/probe');
    expect(getConnectionState()).toBe('online');
  });
});
