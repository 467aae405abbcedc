import { Link } from 'react-router';
import { StateBox } from '../../components/page-state';
import { useDocumentTitle } from '../../lib/use-document-title';

export function NotFoundRoute() {
  useDocumentTitle('Page not found');
  return (
    <StateBox title="Page not found" action={<Link to="/runners">Go to Runners</Link>}>
      There is nothing at this address.
    </StateBox>
  );
}
