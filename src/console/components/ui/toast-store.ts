import { useSyncExternalStore } from 'react';

/** The toasts waiting to be shown; kept apart from the Radix Toast so the first load stays small. */
export type ToastTone = 'info' | 'success' | 'danger';
export type ToastMessage = { id: number; title: string; description?: string; tone: ToastTone };

let nextId = 1;
let messages: ToastMessage[] = [];
const listeners = new Set<() => void>();
const emit = () => {
  for (const l of listeners) l();
};

/** Shows a toast (announced politely by screen readers; `danger` ones assertively). */
export function toast(message: { title: string; description?: string; tone?: ToastTone }) {
  messages = [...messages, { id: nextId++, tone: 'info', ...message }];
  emit();
}

export function dismissToast(id: number) {
  messages = messages.filter((m) => m.id !== id);
  emit();
}

export function useToasts(): ToastMessage[] {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => {
        listeners.delete(l);
      };
    },
    () => messages,
    () => messages,
  );
}
