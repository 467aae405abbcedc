/** Structured JSON-line logging with secrets removed before anything is written. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

const secretKey = /pass(word)?|secret|token|key|cookie|authorization|session/i;
// Registration keys, instance tokens, API tokens, session ids and bearer credentials wherever they appear in text.
const secretText: Array<[RegExp, string]> = [
  [/\b(?:prk|pit|pat|pss|plc)_[A-Za-z0-9]{8,}/g, '[redacted]'],
  // Webhook signing secrets (base64 after the prefix) and passwords in URLs (PADDOCK_SMTP_URL).
  [/\bwhsec_[A-Za-z0-9+/=]{8,}/g, '[redacted]'],
  [/\b([a-z][a-z0-9+.-]*:\/\/[^\s/?#@:]*:)[^\s/?#@]*@/gi, '$1[redacted]@'],
  [/(bearer\s+)[^\s"',;]+/gi, '$1[redacted]'],
  [/((?:__Host-)?paddock_session=)[^\s;"',]+/g, '$1[redacted]'],
];

/** Removes anything that looks like a key, token, password or cookie from a log value. */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') {
    let out = value;
    for (const [re, replacement] of secretText) out = out.replace(re, replacement);
    return out;
  }
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return { name: value.name, message: redact(value.message), stack: redact(value.stack ?? '') };
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = secretKey.test(k) && k !== 'keyPrefix' ? '[redacted]' : redact(v, depth + 1);
  }
  return out;
}

/** A logger writing one JSON object per line to a sink (stdout by default). */
export function createLogger(options: { level?: LogLevel; write?: (line: string) => void } = {}): Logger {
  const order: LogLevel[] = ['debug', 'info', 'warn', 'error'];
  const min = order.indexOf(options.level ?? 'info');
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const log = (level: LogLevel) => (msg: string, fields?: Record<string, unknown>) => {
    if (order.indexOf(level) < min) return;
    const record = { at: new Date().toISOString(), level, msg: redact(msg), ...(redact(fields ?? {}) as object) };
    write(JSON.stringify(record));
  };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

/** A logger that keeps its lines in memory (tests read them). */
export function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return Object.assign(createLogger({ level: 'debug', write: (l) => lines.push(l) }), { lines });
}
