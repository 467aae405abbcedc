import { Dialog as DialogPrimitive } from 'radix-ui';
import type * as React from 'react';
import { cn } from '../../lib/cn';
import styles from './dialog.module.css';

function Dialog(props: React.ComponentProps<typeof DialogPrimitive.Root>) {
  return <DialogPrimitive.Root data-slot="dialog" {...props} />;
}

function DialogClose(props: React.ComponentProps<typeof DialogPrimitive.Close>) {
  return <DialogPrimitive.Close data-slot="dialog-close" {...props} />;
}

/**
 * The dialog panel with its overlay. `closeLabel` names the corner ✕ button; pass `hideCloseX` when
 * the dialog owns its own close flow (e.g. a confirmation before closing).
 */
function DialogContent({
  className,
  children,
  size = 'md',
  hideCloseX = false,
  closeLabel = 'Close dialog',
  ...props
}: React.ComponentProps<typeof DialogPrimitive.Content> & { size?: 'md' | 'wide'; hideCloseX?: boolean; closeLabel?: string }) {
  return (
    <DialogPrimitive.Portal>
      <DialogPrimitive.Overlay data-slot="dialog-overlay" className={styles.overlay} />
      <DialogPrimitive.Content
        data-slot="dialog-content"
        className={cn(styles.content, size === 'wide' && styles.wide, className)}
        {...props}
      >
        {children}
        {hideCloseX ? null : (
          <DialogPrimitive.Close className={styles.closeX} aria-label={closeLabel}>
            <span aria-hidden="true">×</span>
          </DialogPrimitive.Close>
        )}
      </DialogPrimitive.Content>
    </DialogPrimitive.Portal>
  );
}

function DialogHeader({ className, ...props }: React.ComponentProps<'div'>) {
  return <div data-slot="dialog-header" className={cn(styles.header, className)} {...props} />;
}

function DialogFooter({ className, ...props }: React.ComponentProps<'div'>) {
  return <div data-slot="dialog-footer" className={cn(styles.footer, className)} {...props} />;
}

function DialogTitle({ className, ...props }: React.ComponentProps<typeof DialogPrimitive.Title>) {
  return <DialogPrimitive.Title data-slot="dialog-title" className={cn(styles.title, className)} {...props} />;
}

function DialogDescription({ className, ...props }: React.ComponentProps<typeof DialogPrimitive.Description>) {
  return (
    <DialogPrimitive.Description data-slot="dialog-description" className={cn(styles.description, className)} {...props} />
  );
}

export { Dialog, DialogClose, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle };
