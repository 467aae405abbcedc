import { Link } from 'react-router';
import { StateBox } from '../../components/page-state';

export function NotFoundRoute() {
  return (
    <StateBox title="Page not found" action={<Link to="/">Go to Runners</Link>}>
      There is nothing at this address.
    </StateBox>
  );
}
