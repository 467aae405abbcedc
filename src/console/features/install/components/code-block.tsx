import { useEffect, useId, useRef, useState } from 'react';
import { Button } from '../../../components/ui/button';
import styles from './install-view.module.css';

type CopyState = 'idle' | 'copied' | 'failed';

/**
 * A command or manifest with a Copy button. `onCopied` fires only when the clipboard really took
 * the text: the dialog uses it to decide whether closing needs a confirmation.
 */
export function CodeBlock({ label, text, onCopied }: { label: string; text: string; onCopied?: () => void }) {
  const [state, setState] = useState<CopyState>('idle');
  const id = useId();
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);
  // A new text (another option picked) has not been copied yet.
  const [copiedText, setCopiedText] = useState<string | null>(null);
  const shown: CopyState = state === 'copied' && copiedText !== text ? 'idle' : state;

  async function copy() {
    clearTimeout(timer.current);
    try {
      await navigator.clipboard.writeText(text);
      setCopiedText(text);
      setState('copied');
      onCopied?.();
    } catch {
      setState('failed');
    }
    timer.current = setTimeout(() => setState('idle'), 4000);
  }

  return (
    <figure className={styles.code} aria-labelledby={id}>
      <figcaption className={styles.codeCaption}>
        <span id={id}>{label}</span>
        <Button size="sm" onClick={copy} aria-label={`Copy ${label}`}>
          {shown === 'copied' ? 'Copied' : 'Copy'}
        </Button>
      </figcaption>
      <pre className={styles.pre} aria-labelledby={id} tabIndex={0}>
        <code>{text}</code>
      </pre>
      <p role="status" className={shown === 'failed' ? styles.copyFailed : 'sr-only'}>
        {shown === 'copied' ? `${label} copied` : shown === 'failed' ? 'Copying failed: select the text and copy it by hand.' : ''}
      </p>
    </figure>
  );
}

/** Says, next to every command that carries it, that the key will not be shown again. */
export function KeyWarning() {
  return (
    <p className={styles.warning} role="note">
      <strong>Copy it now:</strong> this registration key will not be shown again. If it is lost, rotate the key from the
      group's menu.
    </p>
  );
}
