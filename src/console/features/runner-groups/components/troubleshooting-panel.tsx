import { useQuery } from '@tanstack/react-query';
import { useId, useState } from 'react';
import type { Instance, RunnerGroup, Update } from '../../../../contract';
import { Button } from '../../../components/ui/button';
import { formatDateTime } from '../../../lib/format';
import { type Guide, type GuideBlock, guidesFor } from '../../../entities/instance/guidance';
import { installTemplateQuery } from '../../../entities/install-template/queries';
import styles from './troubleshooting.module.css';

/**
 * The guidance that fits an instance's state (PRODUCT.md §4): Runner upgrade failure, Runner
 * disconnected, How it ended — with the group's own names in every command. The text is the instance
 * entity's read-model (`entities/instance/guidance.ts`); this only lays it out, under the instance
 * detail's h3.
 */
export function TroubleshootingPanel({ group, instance, updates = [] }: { group: RunnerGroup; instance: Instance; updates?: Update[] }) {
  // The Docker template's serverUrl is the URL every platform's runners dial.
  const template = useQuery(installTemplateQuery('docker')).data;
  // Until the template arrives, the console's own origin is the best guess of what runners dial.
  const serverUrl = template?.serverUrl ?? window.location.origin;
  const guides = guidesFor(group, instance, updates, { serverUrl, helmChart: template?.helmChart });
  if (guides.length === 0) {
    return (
      <p className={styles.allGood}>
        {instance.name} is {instance.status}: nothing to troubleshoot.
      </p>
    );
  }
  return (
    <div className={styles.panel}>
      {guides.map((guide) => (
        <GuideSection key={guide.id} guide={guide} />
      ))}
    </div>
  );
}

function GuideSection({ guide }: { guide: Guide }) {
  const id = useId();
  return (
    <section className={styles.guide} data-guide={guide.id} aria-labelledby={id}>
      <h4 id={id} className={styles.heading}>
        {guide.heading}
      </h4>
      <p className={styles.summary}>{guide.summary}</p>
      {guide.at ? (
        <p className={styles.text}>
          Ended <time dateTime={guide.at}>{formatDateTime(guide.at)}</time>
        </p>
      ) : null}
      {guide.blocks.map((block, i) => (
        // Blocks are a fixed sequence derived from the guide; their order is their identity.
        // biome-ignore lint/suspicious/noArrayIndexKey: see above
        <Block key={i} block={block} />
      ))}
    </section>
  );
}

function Block({ block }: { block: GuideBlock }) {
  if (block.kind === 'text') return <p className={styles.text}>{block.text}</p>;
  if (block.kind === 'logline') return <pre className={styles.logline}>{block.text}</pre>;
  return <Command label={block.label} command={block.command} />;
}

function Command({ label, command }: { label: string; command: string }) {
  const [copied, setCopied] = useState(false);
  const id = useId();
  return (
    <div className={styles.command} role="group" aria-labelledby={id}>
      <span id={id} className="sr-only">
        {label}
      </span>
      <pre className={styles.commandText}>
        <code>{command}</code>
      </pre>
      <Button
        size="sm"
        variant="ghost"
        aria-label={`Copy ${label}`}
        onClick={() =>
          navigator.clipboard.writeText(command).then(
            () => setCopied(true),
            () => setCopied(false),
          )
        }
      >
        {copied ? 'Copied' : 'Copy'}
      </Button>
    </div>
  );
}
