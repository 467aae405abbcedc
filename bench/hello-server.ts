// The framework's ceiling: a bare Hono "hello" endpoint on @hono/node-server, nothing else.
// Run as its own process by the heartbeat bench so it gets a core of its own, as the control plane does.
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const app = new Hono();
app.post('/hello', (c) => c.json({ hello: 'world' }));
app.get('/hello', (c) => c.json({ hello: 'world' }));

const server = serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 0), hostname: '127.0.0.1' }, (info) => {
  // The parent reads the port from this one line.
  console.log(JSON.stringify({ listening: info.port }));
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
