import { useQuery } from '@tanstack/react-query';
import { useId, useState } from 'react';
import type { Instance, RunnerGroup, Update } from '../../../../contract';
import { Button } from '../../../components/ui/button';
import { formatDateTime } from '../../../lib/format';
import { installTemplateQuery } from '../api/queries';
import { type Guide, type GuideBlock, guidesFor } from '../guidance';
import styles from './troubleshooting.module.css';

export type TroubleshootingPanelProps = {
  group: RunnerGroup;
  instance: Instance;
  updates?: Update[];
  /** Level of the guides' headings; 4 by default, for the instance detail (whose title is an h3). */
  headingLevel?: 2 | 3 | 4;
};

/**
 * The guidance that fits an instance's state (PRODUCT.md §4): Runner upgrade failure, Runner
 * disconnected, How it ended — with the group's own names in every command.
 */
export function TroubleshootingPanel({ group, instance, updates = [], headingLevel = 4 }: TroubleshootingPanelProps) {
  const template = useQuery(installTemplateQuery()).data;
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
        <GuideSection key={guide.id} guide={guide} headingLevel={headingLevel} />
      ))}
    </div>
  );
}

function GuideSection({ guide, headingLevel }: { guide: Guide; headingLevel: 2 | 3 | 4 }) {
  const id = useId();
  const Heading = `h${headingLevel}` as const;
  return (
    <section className={styles.guide} data-guide={guide.id} aria-labelledby={id}>
      <Heading id={id} className={styles.heading}>
        {guide.heading}
      </Heading>
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
