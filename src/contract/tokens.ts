import { z } from 'zod';
import { isoTime } from './schemas';

/** What an API token may do: `read` only reads; `write` does what its owner's role allows (PRODUCT.md §13). */
export const TokenScope = z.enum(['read', 'write']);
export type TokenScope = z.infer<typeof TokenScope>;

/** An API token's secret: `pat_` + 40 base62 characters, shown once. */
export const tokenSecretPattern = /^pat_[0-9A-Za-z]{40}$/;

/** Token names: 1–64 characters after trimming; letters, digits, space, `.`, `_`, `-` (they appear in audit entries). */
export const TokenName = z
  .string({ error: 'is required and must be a string' })
  .trim()
  .min(1, 'must not be empty')
  .max(64, 'must be at most 64 characters')
  .regex(/^[A-Za-z0-9 ._-]*$/, 'may contain only letters, digits, space, ".", "_" and "-"');

/** An API token as every GET shows it: never its secret, only the secret's first 8 characters. */
export const ApiToken = z.object({
  id: z.string(),
  name: z.string(),
  scope: TokenScope,
  /** The secret's first 8 characters (`pat_` and four more), to tell tokens apart. */
  prefix: z.string(),
  /** The user whose role caps what the token can do. */
  owner: z.string(),
  createdAt: isoTime,
  expiresAt: isoTime.nullable(),
  lastUsedAt: isoTime.nullable(),
  /** The client address of that use. */
  lastUsedFrom: z.string().nullable(),
});
export type ApiToken = z.infer<typeof ApiToken>;

export const CreateTokenBody = z.strictObject({
  name: TokenName,
  scope: TokenScope,
  /** When the token stops working; null or absent: never. Must be in the future. */
  expiresAt: isoTime.nullable().optional(),
});
export type CreateTokenBody = z.infer<typeof CreateTokenBody>;

/** The one response that carries a token's secret: its creation (`Cache-Control: no-store`). */
export const CreatedToken = z.object({
  token: ApiToken,
  secret: z.string().regex(tokenSecretPattern),
});
export type CreatedToken = z.infer<typeof CreatedToken>;
