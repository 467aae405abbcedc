import { Hono } from 'hono';
import type { ServerConfig } from '../config';
import type { AppEnv } from '../http';
import { openApiDocument } from '../openapi';

/**
 * `GET /api/v1/openapi.json`: the OpenAPI 3.1 document, no sign-in needed. Its server is
 * `PADDOCK_PUBLIC_URL`, else the address the request arrived at (the socket's, as listened on) —
 * never the request's Host header (PRODUCT.md §8).
 */
export function openApiRoutes(config: ServerConfig) {
  const r = new Hono<AppEnv>();
  r.get('/', (c) => {
    const socket = (c.env as { incoming?: { socket?: { localAddress?: string; localPort?: number } } } | undefined)?.incoming?.socket;
    const address = (socket?.localAddress ?? config.host).replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
    const host = address.includes(':') ? `[${address}]` : address;
    c.header('Cache-Control', 'no-cache');
    return c.json(openApiDocument(config.publicUrl || `http://${host}:${socket?.localPort ?? config.port}`));
  });
  return r;
}
