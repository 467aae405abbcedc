import { api } from '../../../../contract/paths';
import { ApiToken, CreatedToken, type CreateTokenBody } from '../../../../contract/tokens';
import { apiRequest } from '../../../lib/api-client';

/** Your API tokens (an admin gets everyone's), newest first; never their secrets. */
export function listTokens(signal?: AbortSignal): Promise<ApiToken[]> {
  return apiRequest(api.tokens, { signal, parse: (d) => ApiToken.array().parse(d) });
}

/** Creates a token; the answer is the only one that ever holds its secret. */
export function createToken(body: CreateTokenBody): Promise<CreatedToken> {
  return apiRequest(api.tokens, { method: 'POST', body, parse: (d) => CreatedToken.parse(d) });
}

/** Revokes a token: scripts using it get 401 from now on. */
export async function revokeToken(id: string): Promise<void> {
  await apiRequest(api.token(id), { method: 'DELETE' });
}
