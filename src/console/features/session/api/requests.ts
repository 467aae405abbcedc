import { api } from '../../../../contract/paths';
import type { Session, SignInBody } from '../../../../contract/schemas';
import { ApiError, apiRequest } from '../../../lib/api-client';

/** Who is signed in, or null when nobody is (401). */
export async function getSession(signal?: AbortSignal): Promise<Session | null> {
  try {
    return await apiRequest<Session>(api.session, { signal, quiet401: true });
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return null;
    throw error;
  }
}

export function signIn(body: SignInBody): Promise<Session> {
  return apiRequest<Session>(api.session, { method: 'POST', body, quiet401: true });
}

export function signOut(): Promise<unknown> {
  return apiRequest(api.session, { method: 'DELETE', quiet401: true });
}
