import { z } from 'zod';
import { channelTypes, notificationEventTypes } from './notification-events';
import { TerminationCause } from './schemas';

export * from './notification-events';

export const NotificationEventType = z.enum(notificationEventTypes);
export type NotificationEventType = z.infer<typeof NotificationEventType>;
export const ChannelType = z.enum(channelTypes);
export type ChannelType = z.infer<typeof ChannelType>;

const ChannelName = z
  .string({ error: 'is required and must be a string' })
  .trim()
  .min(1, 'must not be empty')
  .max(64, 'must be at most 64 characters')
  .regex(/^[^\p{Cc}\u200e\u200f\u202a-\u202e\u2066-\u2069]*$/u, 'must not contain control characters');

/**
 * An http(s) address a notification is POSTed to. Any host is fine (receivers live on private
 * networks too); a user name or password in it is refused: webhooks are signed instead, and a URL
 * is shown to viewers, so it must not carry a credential in that form.
 */
export const ChannelUrl = z
  .string({ error: 'is required and must be a string' })
  .trim()
  .min(1, 'must not be empty')
  .max(2048, 'must be at most 2048 characters')
  .superRefine((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be a valid URL such as https://example.com/hooks/paddock' });
      return;
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      ctx.addIssue({ code: 'custom', message: 'must be an http:// or https:// URL' });
    } else if (url.username !== '' || url.password !== '') {
      ctx.addIssue({ code: 'custom', message: 'must not contain a user name or password (requests are signed instead)' });
    } else if (url.hostname === '') {
      ctx.addIssue({ code: 'custom', message: 'must name a host' });
    }
  });

const Recipients = z
  .array(z.email({ error: 'must be an e-mail address such as ops@example.com' }).max(254), { error: 'must be an array of e-mail addresses' })
  .min(1, 'must name at least one recipient')
  .max(20, 'must be at most 20 recipients');

const Events = z.array(NotificationEventType, { error: 'must be an array of event types' }).min(1, 'must name at least one event type');
const GroupIds = z.array(z.string().max(64), { error: 'must be an array of runner group ids, or null for all groups' }).max(500).nullable();
const Causes = z.array(TerminationCause, { error: 'must be an array of termination causes' });
const Enabled = z.boolean({ error: 'must be true or false' });

const common = {
  name: ChannelName,
  /** Default: every event type. */
  events: Events.optional(),
  /** null or absent: every group. */
  groupIds: GroupIds.optional(),
  /** For `instance.ended`; default every cause but completed, sigterm and replaced. */
  causes: Causes.optional(),
  enabled: Enabled.optional(),
};

/** `POST /notification-channels`. */
export const CreateChannelBody = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ type: z.literal('webhook'), url: ChannelUrl, ...common }),
    z.strictObject({ type: z.literal('slack'), url: ChannelUrl, ...common }),
    z.strictObject({ type: z.literal('email'), to: Recipients, ...common }),
  ],
  { error: 'type must be one of webhook, slack, email' },
);
export type CreateChannelBody = z.infer<typeof CreateChannelBody>;

/** `PATCH /notification-channels/{id}`: `url` for webhook and slack channels, `to` for e-mail ones. */
export const PatchChannelBody = z
  .strictObject({
    name: ChannelName.optional(),
    url: ChannelUrl.optional(),
    to: Recipients.optional(),
    events: Events.optional(),
    groupIds: GroupIds.optional(),
    causes: Causes.optional(),
    enabled: Enabled.optional(),
  })
  .refine((b) => Object.values(b).some((v) => v !== undefined), { message: 'give at least one field to change' });
export type PatchChannelBody = z.infer<typeof PatchChannelBody>;

const isoTime = z.string().datetime({ offset: true });

export const DeliveryStatus = z.enum(['delivered', 'failed']);
export type DeliveryStatus = z.infer<typeof DeliveryStatus>;

/** One attempt to deliver one event to one channel (the delivery log, newest first). */
export const DeliveryAttempt = z.object({
  id: z.string(),
  at: isoTime,
  eventType: z.union([NotificationEventType, z.literal('test')]),
  eventId: z.string(),
  attempt: z.number().int(),
  status: DeliveryStatus,
  /** The receiver's HTTP status (webhook, Slack) or SMTP reply code (e-mail); null when none came. */
  responseStatus: z.number().int().nullable(),
  latencyMs: z.number().int(),
  error: z.string().nullable(),
  /** When it is tried again; null once delivered, given up or cancelled. */
  nextAttemptAt: isoTime.nullable(),
});
export type DeliveryAttempt = z.infer<typeof DeliveryAttempt>;

/**
 * A channel as answered to console users: never its signing secret; a Slack address (itself the
 * credential) with its last part hidden; for viewers, a webhook address without its query values.
 */
export const NotificationChannel = z.object({
  id: z.string(),
  name: z.string(),
  type: ChannelType,
  url: z.string().nullable(),
  to: z.array(z.string()).nullable(),
  events: z.array(NotificationEventType),
  groupIds: z.array(z.string()).nullable(),
  causes: z.array(TerminationCause),
  enabled: z.boolean(),
  /** Why the control plane turned it off ("The receiver answered 410 Gone"), null otherwise. */
  disabledReason: z.string().nullable(),
  createdAt: isoTime,
  updatedAt: isoTime,
  lastDelivery: DeliveryAttempt.nullable(),
});
export type NotificationChannel = z.infer<typeof NotificationChannel>;

/** The one answer that carries a webhook's signing secret: its creation. */
export const ChannelWithSecret = NotificationChannel.extend({ secret: z.string() });
export type ChannelWithSecret = z.infer<typeof ChannelWithSecret>;

export const DeliveriesQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).optional(),
});

/** The body of a webhook (PRODUCT.md §12); Slack and e-mail carry the same facts as text. */
export const NotificationPayload = z.object({
  type: z.union([NotificationEventType, z.literal('test')]),
  id: z.string(),
  timestamp: isoTime,
  data: z
    .object({
      group: z
        .object({
          id: z.string(),
          name: z.string(),
          health: z.string(),
          /** Why it is not healthy, as the console says it (PRODUCT.md §2); empty when healthy. */
          healthReasons: z.array(z.string()).optional(),
          connectedCount: z.number().int(),
          instanceCount: z.number().int(),
        })
        .optional(),
      instance: z.record(z.string(), z.unknown()).optional(),
      update: z.record(z.string(), z.unknown()).optional(),
      url: z.string(),
    })
    .passthrough(),
});
export type NotificationPayload = z.infer<typeof NotificationPayload>;
