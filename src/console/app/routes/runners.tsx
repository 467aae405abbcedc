import { Suspense } from 'react';
import { retryableLazy } from '../../components/retryable-lazy';
import type { RenderInstallView } from '../../features/runner-groups/components/install-step';
import { RunnersPage } from '../../features/runner-groups/components/runners-page';
import { useDocumentTitle } from '../../lib/use-document-title';

// Opens in a dialog, so it loads when first needed, not with the Runners page.
const InstallView = retryableLazy(() => import('../../features/install/components/install-view').then((m) => m.InstallView));

const renderInstallView: RenderInstallView = (props) => (
  <Suspense fallback={<p role="status">Loading install commands…</p>}>
    <InstallView {...props} />
  </Suspense>
);

/** The Runners page with its dialogs. */
export function RunnersRoute() {
  useDocumentTitle('Runners');
  return <RunnersPage renderInstallView={renderInstallView} />;
}
