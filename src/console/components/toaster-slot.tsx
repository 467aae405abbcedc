import { Toaster } from './ui/toast';

/** The app's one toaster; its live regions are mounted up front so the first toast is announced. */
export function ToasterSlot() {
  return <Toaster />;
}
