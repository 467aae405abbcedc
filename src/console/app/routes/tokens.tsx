import { TokensPage } from '../../features/tokens/components/tokens-page';
import { useDocumentTitle } from '../../lib/use-document-title';

export function Component() {
  useDocumentTitle('API tokens');
  return <TokensPage />;
}
