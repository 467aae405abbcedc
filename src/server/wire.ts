import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { getRequestListener } from '@hono/node-server';
import { securityHeaders } from './http';

// Problem+json for the answers Node's HTTP layer (and @hono/node-server's adapter) gives before the app
// sees a request: malformed request lines, headers too large, bad chunking, a missing or invalid Host,
// CONNECT, an Expect it cannot meet. Left alone, each is an empty body or a dropped connection.

interface WireProblem {
  status: number;
  title: string;
  detail: string;
}

const problemBody = (p: WireProblem) => JSON.stringify({ type: 'about:blank', title: p.title, status: p.status, detail: p.detail });

const problemHeaders = (body: string): Record<string, string> => ({
  ...securityHeaders,
  'Content-Type': 'application/problem+json',
  'Cache-Control': 'no-store',
  'Content-Length': String(Buffer.byteLength(body)),
  Connection: 'close',
});

/** Writes a whole HTTP/1.1 problem response on a raw socket and closes it (no request object exists). */
function writeRaw(socket: Duplex, p: WireProblem): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = problemBody(p);
  const head = Object.entries(problemHeaders(body))
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  socket.end(`HTTP/1.1 ${p.status} ${p.title}\r\n${head}\r\n${body}`);
}

function writeResponse(res: ServerResponse, p: WireProblem): void {
  const body = problemBody(p);
  res.writeHead(p.status, problemHeaders(body));
  res.end(body);
}

/** What Node's parser error means for the client. */
export function clientErrorProblem(err: NodeJS.ErrnoException): WireProblem {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, title: 'Request Header Fields Too Large', detail: 'The request line and headers are too large.' };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
    case 'ERR_HTTP_HEADERS_TIMEOUT':
      return { status: 408, title: 'Request Timeout', detail: 'The request took too long to arrive.' };
    case 'HPE_INVALID_METHOD':
      return { status: 400, title: 'Bad Request', detail: 'The request method is not a known HTTP method.' };
    default:
      return { status: 400, title: 'Bad Request', detail: 'The request is not valid HTTP.' };
  }
}

/** The request listener: @hono/node-server's adapter with problem+json for requests it cannot turn into a Request. */
export function requestListener(fetch: (request: Request, env: unknown) => Response | Promise<Response>, hostname: string): RequestListener {
  const adapter = getRequestListener(fetch as never, {
    hostname,
    // Only a request the adapter could not build (bad Host, bad target) gets here: the app answers the rest.
    errorHandler: () => {
      const p = { status: 400, title: 'Bad Request', detail: 'The request target or Host header is not valid.' };
      const body = problemBody(p);
      return new Response(body, { status: 400, headers: problemHeaders(body) });
    },
  });
  return (req: IncomingMessage, res: ServerResponse) => {
    // HTTP/1.1 requires Host (RFC 9112 §3.2); Node's own check would answer with an empty body.
    if (req.headers.host === undefined && req.httpVersionMajor === 1 && req.httpVersionMinor === 1) {
      writeResponse(res, { status: 400, title: 'Bad Request', detail: 'An HTTP/1.1 request needs a Host header.' });
      return;
    }
    void adapter(req, res);
  };
}

/** Node server options that leave the Host check to `requestListener`, so it can answer problem+json. */
export const serverOptions = { requireHostHeader: false } as const;

/** Makes the server answer problem+json where Node would answer an empty body or nothing. */
export function answerWireErrors(server: Server): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    // A reset or an answer already under way: nothing useful can be written.
    const started = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent;
    if (err.code === 'ECONNRESET' || started) {
      socket.destroy();
      return;
    }
    writeRaw(socket, clientErrorProblem(err));
  });
  server.on('checkExpectation', (_req: IncomingMessage, res: ServerResponse) => {
    writeResponse(res, { status: 417, title: 'Expectation Failed', detail: 'Only "Expect: 100-continue" is supported.' });
  });
  server.on('connect', (_req: IncomingMessage, socket: Duplex) => {
    writeRaw(socket, { status: 405, title: 'Method Not Allowed', detail: 'CONNECT is not supported: this is not a proxy.' });
  });
}
