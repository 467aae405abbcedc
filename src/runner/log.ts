/** A log line sink; the agent writes plain lines, the way `docker logs` shows them. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** Registers a value that must never appear in a log line (a key or a token). */
  addSecret(secret: string): void;
}

// Registration keys (prk_) and instance tokens (pit_) by shape, in case one slips past addSecret.
const secretPattern = /\b(prk|pit)_[A-Za-z0-9]+/g;

/** Removes every registered secret and anything shaped like a registration key or instance token. */
export function redact(text: string, secrets: Iterable<string>): string {
  let out = text;
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join('[redacted]');
  return out.replace(secretPattern, '$1_[redacted]');
}

/** Logger writing `<time> <LEVEL> <message>` lines: info to stdout, warnings and errors to stderr. */
export function createLogger(
  write: { out: (line: string) => void; err: (line: string) => void } = {
    out: (line) => process.stdout.write(line),
    err: (line) => process.stderr.write(line),
  },
  now: () => Date = () => new Date(),
): Logger {
  const secrets = new Set<string>();
  const line = (level: string, message: string) => `${now().toISOString()} ${level} ${redact(message, secrets)}\n`;
  return {
    info: (m) => write.out(line('INFO', m)),
    warn: (m) => write.err(line('WARN', m)),
    error: (m) => write.err(line('ERROR', m)),
    addSecret: (s) => {
      if (s) secrets.add(s);
    },
  };
}
