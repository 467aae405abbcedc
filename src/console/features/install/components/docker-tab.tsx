import { dockerCommand, groupSlug, runnerImageRef } from '../../../../contract';
import { CodeBlock, KeyWarning } from './code-block';
import type { TabProps } from './tab-props';
import styles from './install-view.module.css';

/** Docker: one `docker run -d` per instance, on any host with Docker. */
export function DockerTab({ group, registrationKey, onCopied, template }: TabProps) {
  const command = dockerCommand({
    groupName: group.name,
    serverUrl: template.serverUrl,
    registrationKey,
    runnerImage: template.runnerImage,
    runnerVersion: template.runnerVersion,
  });
  return (
    <div className={styles.tab}>
      <p className={styles.lead}>
        Starts a runner container from <code>{runnerImageRef(template.runnerImage, template.runnerVersion)}</code> that dials{' '}
        <code>{template.serverUrl}</code> over outbound {template.serverUrl.startsWith('http:') ? 'HTTP' : 'HTTPS'}. It mounts the Docker socket so that an update can start its
        replacement container <code>paddock-runner-{'{version}'}</code>.
      </p>
      <KeyWarning />
      <CodeBlock label="Docker command" text={command} onCopied={onCopied} />
      <p className={styles.note}>
        The command gives the container no fixed name, so <strong>run the same command again</strong> — on this host or another —
        to add instances. Find them with <code>docker ps --filter label=paddock.runner-group={groupSlug(group.name)}</code>.
      </p>
    </div>
  );
}
