import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import type { InstallPlatform, InstallTemplate, RunnerGroup } from '../../../../contract';
import { LoadingState, StateBox } from '../../../components/page-state';
import { Button } from '../../../components/ui/button';
import { Tabs, TabsContent, TabsList, TabsTrigger } from '../../../components/ui/tabs';
import { errorMessage } from '../../../lib/api-client';
import { installTemplateQuery } from '../api/queries';
import { CloudFormationTab } from './cloudformation-tab';
import { DockerTab } from './docker-tab';
import { HelmTab } from './helm-tab';
import styles from './install-view.module.css';

export type InstallViewProps = { group: RunnerGroup; registrationKey: string; onCopied: () => void };

/** What each tab receives: the group, the key (props only, never cached or stored) and its template. */
export type TabProps = InstallViewProps & { template: InstallTemplate };

/**
 * The install view shown once after a group is created or its key rotated: Helm, Docker and
 * CloudFormation, each with the commands carrying the key.
 */
export function InstallView({ group, registrationKey, onCopied }: InstallViewProps) {
  const props = { group, registrationKey, onCopied };
  return (
    <Tabs defaultValue="helm" className={styles.view}>
      <TabsList aria-label="Install with">
        <TabsTrigger value="helm">Helm</TabsTrigger>
        <TabsTrigger value="docker">Docker</TabsTrigger>
        <TabsTrigger value="cloudformation">CloudFormation</TabsTrigger>
      </TabsList>
      <TabsContent value="helm">
        <WithTemplate platform="helm">{(template) => <HelmTab {...props} template={template} />}</WithTemplate>
      </TabsContent>
      <TabsContent value="docker">
        <WithTemplate platform="docker">{(template) => <DockerTab {...props} template={template} />}</WithTemplate>
      </TabsContent>
      <TabsContent value="cloudformation">
        <WithTemplate platform="cloudformation">{(template) => <CloudFormationTab {...props} template={template} />}</WithTemplate>
      </TabsContent>
    </Tabs>
  );
}

function WithTemplate({ platform, children }: { platform: InstallPlatform; children: (template: InstallTemplate) => ReactNode }) {
  const query = useQuery(installTemplateQuery(platform));
  if (query.data) return children(query.data);
  if (query.isError) {
    return (
      <StateBox
        tone="error"
        headingLevel={3}
        title="Could not load the install template"
        action={
          <Button onClick={() => query.refetch()} disabled={query.isFetching}>
            Try again
          </Button>
        }
      >
        {errorMessage(query.error)} The key is still here: it stays on this page until you close the dialog.
      </StateBox>
    );
  }
  return <LoadingState label="Loading the install template…" />;
}
