import { useQueries } from '@tanstack/react-query';
import { installPlatforms } from '../../../../contract/schemas';
import { LoadingState, StateBox } from '../../../components/page-state';
import { Button } from '../../../components/ui/button';
import { Tabs, TabsContent, TabsList, TabsTrigger } from '../../../components/ui/tabs';
import { errorMessage } from '../../../lib/api-client';
import { installTemplateQuery } from '../../../entities/install-template/queries';
import { serverUrlWarning } from '../model';
import { CloudFormationTab } from './cloudformation-tab';
import { DockerTab } from './docker-tab';
import { HelmTab } from './helm-tab';
import styles from './install-view.module.css';
import type { InstallViewProps } from './tab-props';

/**
 * The install view shown once after a group is created or its key rotated: Helm, Docker and
 * CloudFormation, each with the commands carrying the key. The three templates load together, so
 * every tab is ready the moment the tabs appear.
 */
export function InstallView({ group, registrationKey, onCopied }: InstallViewProps) {
  const queries = useQueries({ queries: installPlatforms.map((p) => installTemplateQuery(p)) });
  const [helm, docker, cloudformation] = queries.map((q) => q.data);
  if (helm && docker && cloudformation) {
    const props = { group, registrationKey, onCopied };
    const warning = serverUrlWarning(helm.serverUrl);
    return (
      <Tabs defaultValue="helm" className={styles.view}>
        {warning ? (
          <p className={styles.warning} role="note" data-warning={warning.kind}>
            <strong>{warning.kind === 'loopback' ? 'Only this machine: ' : 'Unencrypted: '}</strong>
            {warning.text}
          </p>
        ) : null}
        <TabsList aria-label="Install with">
          <TabsTrigger value="helm">Helm</TabsTrigger>
          <TabsTrigger value="docker">Docker</TabsTrigger>
          <TabsTrigger value="cloudformation">CloudFormation</TabsTrigger>
        </TabsList>
        <TabsContent value="helm" className={styles.panel}>
          <HelmTab {...props} template={helm} />
        </TabsContent>
        <TabsContent value="docker" className={styles.panel}>
          <DockerTab {...props} template={docker} />
        </TabsContent>
        <TabsContent value="cloudformation" className={styles.panel}>
          <CloudFormationTab {...props} template={cloudformation} />
        </TabsContent>
      </Tabs>
    );
  }
  const failed = queries.find((q) => q.isError);
  if (failed) {
    return (
      <StateBox
        tone="error"
        headingLevel={3}
        title="Could not load the install template"
        action={
          <Button
            onClick={() => {
              for (const q of queries) if (q.isError) void q.refetch();
            }}
            disabled={queries.some((q) => q.isFetching)}
          >
            Try again
          </Button>
        }
      >
        {errorMessage(failed.error)} The key is still here: it stays on this page until you close the dialog.
      </StateBox>
    );
  }
  return <LoadingState label="Loading the install template…" />;
}
