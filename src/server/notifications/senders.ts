import { randomBytes } from 'node:crypto';
import nodemailer from 'nodemailer';
import { Webhook } from 'standardwebhooks';
import type { NotificationPayload } from '../../contract';
import { type AttemptOutcome, outcomeOfHttp } from './decisions';
import { emailMessage, slackBody } from './messages';

/** Every attempt gives up after this long (PRODUCT.md §12). */
export const sendTimeoutMs = 10_000;

/** A new Standard Webhooks signing secret: `whsec_` + base64 of 32 random bytes (the spec asks 24–64). */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** What one attempt did. */
export type SendResult = AttemptOutcome & { responseStatus: number | null; latencyMs: number };
type Sent = AttemptOutcome & { responseStatus: number | null };

/** Where a channel sends, and with what (the stored channel, minus what it does not need). */
export interface Destination {
  type: 'webhook' | 'slack' | 'email';
  url: string | null;
  recipients: string[] | null;
  secret: string | null;
}

export interface SendContext {
  /** The moment of the attempt (the `webhook-timestamp`), from the server's clock. */
  now: Date;
  smtpUrl: string;
  smtpFrom: string;
  /** Aborts the attempt (shutdown); such an attempt is not recorded. */
  signal?: AbortSignal;
}

/** The three Standard Webhooks headers for a body: id, timestamp and `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`. */
export function signedHeaders(secret: string, id: string, at: Date, body: string): Record<string, string> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(id, at, body),
  };
}

/** Sends one notification once; never throws (a failure is an outcome). */
export async function send(dest: Destination, payload: NotificationPayload, ctx: SendContext): Promise<SendResult> {
  const started = performance.now();
  const took = () => Math.round(performance.now() - started);
  try {
    if (dest.type === 'email') return { ...(await sendEmail(dest, payload, ctx)), latencyMs: took() };
    const body = JSON.stringify(dest.type === 'slack' ? slackBody(payload) : payload);
    const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'Paddock-Notifications/1' };
    if (dest.type === 'webhook') Object.assign(headers, signedHeaders(dest.secret ?? '', payload.id, ctx.now, body));
    const timeout = AbortSignal.timeout(sendTimeoutMs);
    const res = await fetch(dest.url ?? '', {
      method: 'POST',
      headers,
      body,
      // A redirect is an answer, not a place to follow a signed body to.
      redirect: 'manual',
      signal: ctx.signal ? AbortSignal.any([timeout, ctx.signal]) : timeout,
    });
    await res.body?.cancel().catch(() => {});
    return { ...outcomeOfHttp(res.status), responseStatus: res.status, latencyMs: took() };
  } catch (err) {
    if (ctx.signal?.aborted) throw err;
    return { status: 'failed', disable: false, error: describeError(err, ctx.smtpUrl), responseStatus: smtpCode(err), latencyMs: took() };
  }
}

async function sendEmail(dest: Destination, payload: NotificationPayload, ctx: SendContext): Promise<Sent> {
  if (!ctx.smtpUrl) return { status: 'failed', disable: false, error: 'PADDOCK_SMTP_URL is not set on the control plane', responseStatus: null };
  const transport = nodemailer.createTransport(smtpOptions(ctx.smtpUrl));
  const abort = () => transport.close();
  ctx.signal?.addEventListener('abort', abort, { once: true });
  try {
    const { subject, text } = emailMessage(payload);
    const info = await Promise.race([
      transport.sendMail({
        from: ctx.smtpFrom || 'Paddock <paddock@localhost>',
        to: dest.recipients ?? [],
        subject,
        text,
        headers: { 'X-Paddock-Event-Id': payload.id, 'X-Paddock-Event-Type': payload.type },
      }),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`timed out after ${sendTimeoutMs / 1000} s`)), sendTimeoutMs).unref()),
    ]);
    const code = Number(/^(\d{3})/.exec(String(info.response ?? ''))?.[1] ?? 250);
    return { status: 'delivered', responseStatus: code };
  } finally {
    ctx.signal?.removeEventListener('abort', abort);
    transport.close();
  }
}

/** nodemailer's options from PADDOCK_SMTP_URL: smtps:// is TLS from the start, smtp:// upgrades with STARTTLS when offered. */
export function smtpOptions(smtpUrl: string) {
  const u = new URL(smtpUrl);
  const secure = u.protocol === 'smtps:';
  return {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port ? Number(u.port) : secure ? 465 : 587,
    secure,
    auth: u.username ? { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) } : undefined,
    connectionTimeout: sendTimeoutMs,
    greetingTimeout: sendTimeoutMs,
    socketTimeout: sendTimeoutMs,
    dnsTimeout: sendTimeoutMs,
  };
}

function smtpCode(err: unknown): number | null {
  const code = (err as { responseCode?: unknown })?.responseCode;
  return typeof code === 'number' ? code : null;
}

/** A short, secret-free account of why an attempt failed. */
export function describeError(err: unknown, smtpUrl = ''): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string }; code?: string };
  let text: string;
  if (e?.name === 'TimeoutError') text = `timed out after ${sendTimeoutMs / 1000} s`;
  else if (e?.cause?.code) text = `${e.cause.code}: ${e.cause.message ?? e.message ?? ''}`;
  else text = e?.message ?? String(err);
  // Whatever a library put in its message, the SMTP password and its URL never leave here.
  if (smtpUrl) {
    const u = new URL(smtpUrl);
    for (const secret of [smtpUrl, decodeURIComponent(u.password), u.password]) {
      if (secret.length >= 3) text = text.split(secret).join('[redacted]');
    }
  }
  return text.replace(/\bwhsec_[A-Za-z0-9+/=]+/g, '[redacted]').slice(0, 500);
}
