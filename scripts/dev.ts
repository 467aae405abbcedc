// `npm run dev`: a control plane on PORT+1 (default 8081) and Vite's dev server with hot reload on
// PORT (default 5173) that proxies /api to it. Ctrl-C stops both.
import { spawn } from 'node:child_process';
import { createServer } from 'vite';

const vitePort = Number(process.env.PORT ?? 5173);
const apiPort = Number(process.env.PADDOCK_DEV_API_PORT ?? 8081);
const host = process.env.HOST ?? '127.0.0.1';
process.env.PADDOCK_DEV_API = `http://${host}:${apiPort}`;

const api = spawn(process.execPath, ['--import', 'tsx', 'src/server/main.ts'], {
  stdio: 'inherit',
  env: { ...process.env, PORT: String(apiPort), HOST: host, PADDOCK_PUBLIC_URL: process.env.PADDOCK_PUBLIC_URL ?? `http://${host}:${vitePort}` },
});
const vite = await createServer({ server: { port: vitePort, host, strictPort: true } });
await vite.listen();
vite.printUrls();

const stop = async () => {
  api.kill('SIGTERM');
  await vite.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
api.on('exit', (code) => {
  console.error(`control plane exited (${code}); stopping`);
  void vite.close().then(() => process.exit(code ?? 1));
});
