import type { ApiToken, TokenScope } from '../../../contract/tokens';
import { formatDateTime } from '../../lib/format';

/** How long a new token lives, as offered by the form (days; `never` = no expiry). */
export const expiryChoices = [
  { value: '30', label: '30 days' },
  { value: '7', label: '7 days' },
  { value: '90', label: '90 days' },
  { value: '365', label: '1 year' },
  { value: 'never', label: 'Never' },
] as const;
export type ExpiryChoice = (typeof expiryChoices)[number]['value'];

/** The `expiresAt` a choice gives, from `now`. */
export function expiresAtFor(choice: ExpiryChoice, now: number): string | null {
  if (choice === 'never') return null;
  return new Date(now + Number(choice) * 24 * 3600 * 1000).toISOString();
}

/** What a token's scope lets it do, in words. */
export const scopeLabel: Record<TokenScope, string> = {
  read: 'Read',
  write: 'Read and write',
};

/** A token's expiry as a word and when, e.g. "Expired · 1 Mar 2026, 13:00:00", "Never". */
export function expiryText(token: Pick<ApiToken, 'expiresAt'>, now: number): { expired: boolean; text: string } {
  if (token.expiresAt === null) return { expired: false, text: 'Never' };
  const expired = Date.parse(token.expiresAt) <= now;
  return { expired, text: expired ? `Expired · ${formatDateTime(token.expiresAt)}` : formatDateTime(token.expiresAt) };
}

/** The curl call the page shows: the secret comes from an environment variable, never typed into a command. */
export function curlExample(origin: string): string {
  return [
    'read -rs PADDOCK_TOKEN && export PADDOCK_TOKEN   # paste the secret, then Enter',
    `curl -fsS "${origin}/api/v1/runner-groups" \\`,
    '  -H "Authorization: Bearer $PADDOCK_TOKEN"',
  ].join('\n');
}
