import { lazy, Suspense } from 'react';
import { useToasts } from './ui/toast-store';

const Toaster = lazy(() => import('./ui/toast').then((m) => ({ default: m.Toaster })));

/** Loads the Radix toaster with the first toast: most visits never need it. */
export function ToasterSlot() {
  const shown = useToasts().length > 0;
  return shown ? (
    <Suspense fallback={null}>
      <Toaster />
    </Suspense>
  ) : null;
}
