import { useId, useState } from 'react';
import { api } from '../../../../contract/paths';
import { Button } from '../../../components/ui/button';
import { curlExample } from '../model';
import styles from './tokens.module.css';

/** How to call the API with a token: a curl command for this control plane, and where the whole API is described. */
export function UsageExample({ headingLevel = 2 }: { headingLevel?: 2 | 3 }) {
  const id = useId();
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const text = curlExample(window.location.origin);
  const Heading = headingLevel === 2 ? 'h2' : 'h3';
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setState('copied');
    } catch {
      setState('failed');
    }
  };
  return (
    <section className={styles.usage} aria-labelledby={`${id}-title`}>
      <Heading id={`${id}-title`} className={styles.usageTitle}>
        Call the API with a token
      </Heading>
      <p className={styles.hint}>
        Send the token as <code>Authorization: Bearer …</code>; no sign-in or CSRF header is needed. Keep it in an environment
        variable, not in the command itself. Every endpoint is described in the{' '}
        <a href={api.openapi} target="_blank" rel="noreferrer">
          OpenAPI document
        </a>
        .
      </p>
      <figure className={styles.code} aria-labelledby={`${id}-caption`}>
        <figcaption className={styles.codeCaption}>
          <span id={`${id}-caption`}>curl</span>
          <Button size="sm" onClick={() => void copy()} aria-label="Copy the curl example">
            {state === 'copied' ? 'Copied' : 'Copy'}
          </Button>
        </figcaption>
        <pre className={styles.pre} tabIndex={0} aria-labelledby={`${id}-caption`}>
          <code>{text}</code>
        </pre>
        <p role="status" className={state === 'failed' ? styles.error : 'sr-only'}>
          {state === 'copied' ? 'Example copied' : state === 'failed' ? 'Copying failed: select the text and copy it by hand.' : ''}
        </p>
      </figure>
    </section>
  );
}
