import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** One request a receiver got. */
export interface Received {
  at: number;
  /** Path and query the request was sent to. */
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The status it was answered with. */
  status: number;
}

/**
 * A real HTTP receiver on loopback for webhook and Slack tests. `answer` picks each reply's status
 * (default 200); `hang` makes it never reply. It can be stopped and started again on the same port.
 */
export interface Receiver {
  url: string;
  port: number;
  received: Received[];
  answer: (n: number) => number | 'hang';
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function startReceiver(options: { port?: number; answer?: (n: number) => number | 'hang'; listen?: boolean } = {}): Promise<Receiver> {
  let server: Server | null = null;
  let port = options.port ?? 0;
  const r: Receiver = {
    url: '',
    port: 0,
    received: [],
    answer: options.answer ?? (() => 200),
    async start() {
      const s = createServer((req, res) => {
        let body = '';
        req.setEncoding('utf8');
        req.on('data', (d) => {
          body += d;
        });
        req.on('end', () => {
          const status = r.answer(r.received.length + 1);
          r.received.push({ at: Date.now(), path: req.url ?? '', headers: req.headers, body, status: status === 'hang' ? 0 : status });
          if (status === 'hang') return;
          res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'no');
        });
      });
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(port, '127.0.0.1', () => resolve());
      });
      server = s;
      port = (s.address() as AddressInfo).port;
      r.port = port;
      r.url = `http://127.0.0.1:${port}/hooks/paddock`;
    },
    async stop() {
      const s = server;
      server = null;
      if (!s) return;
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    },
  };
  if (options.listen === false) {
    // Take a free port, then leave it closed: the receiver is "down" until start().
    await r.start();
    await r.stop();
  } else {
    await r.start();
  }
  return r;
}

/** A mail a loopback SMTP server accepted. */
export interface Mail {
  from: string;
  to: string[];
  data: string;
  user: string | null;
}

/** A real SMTP server on loopback (the smtp-server package) that requires a user name and password. */
export async function startSmtp(credentials: { user: string; pass: string }): Promise<{ url: string; port: number; mails: Mail[]; stop(): Promise<void> }> {
  const mails: Mail[] = [];
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    onAuth(auth, _session, cb) {
      if (auth.username === credentials.user && auth.password === credentials.pass) cb(null, { user: auth.username });
      else cb(new Error('Invalid username or password'));
    },
    onData(stream, session, cb) {
      let data = '';
      stream.setEncoding('utf8');
      stream.on('data', (d: string) => {
        data += d;
      });
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          data,
          user: typeof session.user === 'string' ? session.user : null,
        });
        cb();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.pass)}@127.0.0.1:${port}`,
    port,
    mails,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
