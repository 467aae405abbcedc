import { useQuery } from '@tanstack/react-query';
import { Navigate, useNavigate, useSearchParams } from 'react-router';
import { SignInPage } from '../../features/session/components/sign-in-page';
import { sessionQuery } from '../../features/session/api/queries';
import { useDocumentTitle } from '../../lib/use-document-title';

/** Only same-app paths are followed after sign in (no open redirect). */
function safeFrom(from: string | null): string {
  return from?.startsWith('/') && !from.startsWith('//') ? from : '/';
}

export function Component() {
  useDocumentTitle('Sign in');
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const session = useQuery(sessionQuery());
  const target = safeFrom(params.get('from'));
  if (session.data) return <Navigate to={target} replace />;
  return <SignInPage onSignedIn={() => navigate(target, { replace: true })} />;
}
