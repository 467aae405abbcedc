import { Toast as ToastPrimitive } from 'radix-ui';
import type * as React from 'react';
import { dismissToast, type ToastTone, toast, useToasts } from './toast-store';
import { cn } from '../../lib/cn';
import styles from './toast.module.css';

function ToastProvider(props: React.ComponentProps<typeof ToastPrimitive.Provider>) {
  return <ToastPrimitive.Provider data-slot="toast-provider" swipeDirection="right" {...props} />;
}

function ToastViewport({ className, ...props }: React.ComponentProps<typeof ToastPrimitive.Viewport>) {
  return <ToastPrimitive.Viewport data-slot="toast-viewport" className={cn(styles.viewport, className)} {...props} />;
}

function Toast({ className, tone = 'info', ...props }: React.ComponentProps<typeof ToastPrimitive.Root> & { tone?: ToastTone }) {
  return (
    <ToastPrimitive.Root
      data-slot="toast"
      data-tone={tone}
      type={tone === 'danger' ? 'foreground' : 'background'}
      className={cn(styles.root, styles[tone], className)}
      {...props}
    />
  );
}

function ToastTitle({ className, ...props }: React.ComponentProps<typeof ToastPrimitive.Title>) {
  return <ToastPrimitive.Title data-slot="toast-title" className={cn(styles.title, className)} {...props} />;
}

function ToastDescription({ className, ...props }: React.ComponentProps<typeof ToastPrimitive.Description>) {
  return <ToastPrimitive.Description data-slot="toast-description" className={cn(styles.description, className)} {...props} />;
}

function ToastClose({ className, ...props }: React.ComponentProps<typeof ToastPrimitive.Close>) {
  return (
    <ToastPrimitive.Close data-slot="toast-close" aria-label="Dismiss" className={cn(styles.close, className)} {...props}>
      <span aria-hidden="true">×</span>
    </ToastPrimitive.Close>
  );
}

/** Renders the toasts raised with `toast()`; mount once. */
function Toaster() {
  const list = useToasts();
  return (
    <ToastProvider label="Notifications">
      {list.map((m) => (
        <Toast
          key={m.id}
          tone={m.tone}
          duration={m.tone === 'danger' ? 20_000 : 10_000}
          onOpenChange={(open) => {
            if (!open) dismissToast(m.id);
          }}
        >
          <ToastTitle>{m.title}</ToastTitle>
          {m.description ? <ToastDescription>{m.description}</ToastDescription> : null}
          <ToastClose />
        </Toast>
      ))}
      <ToastViewport />
    </ToastProvider>
  );
}

export { dismissToast, Toast, ToastClose, ToastDescription, Toaster, ToastProvider, ToastTitle, ToastViewport, toast };
export type { ToastTone };
