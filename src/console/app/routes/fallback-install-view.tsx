import type { RunnerGroup } from '../../../contract';
import { Button } from '../../components/ui/button';
import { Tabs, TabsContent, TabsList, TabsTrigger } from '../../components/ui/tabs';

/** A minimal install view used until the install kit's view is wired in. */
export function FallbackInstallView({
  group,
  registrationKey,
  onCopied,
}: {
  group: RunnerGroup;
  registrationKey: string;
  onCopied: () => void;
}) {
  const server = window.location.origin;
  const docker = `docker run -d --restart unless-stopped -v /var/run/docker.sock:/var/run/docker.sock -e PADDOCK_SERVER_URL=${server} -e PADDOCK_RUNNER_KEY=${registrationKey} --label paddock.group="${group.name}" paddock-runner`;
  const helm = `helm upgrade --install runner paddock/paddock-runner --set appKey=${registrationKey} --set serverUrl=${server}`;
  const copy = (text: string) => {
    void navigator.clipboard?.writeText(text).then(onCopied, onCopied);
  };
  return (
    <div>
      <p role="note">
        <strong>Copy the key now: it will not be shown again.</strong>
      </p>
      <label>
        Registration key
        <input
          readOnly
          value={registrationKey}
          autoComplete="off"
          data-1p-ignore=""
          data-lpignore="true"
          spellCheck={false}
          style={{ width: '100%', fontFamily: 'var(--font-mono)' }}
        />
      </label>
      <Tabs defaultValue="docker">
        <TabsList aria-label="Install with">
          <TabsTrigger value="helm">Helm</TabsTrigger>
          <TabsTrigger value="docker">Docker</TabsTrigger>
          <TabsTrigger value="cloudformation">CloudFormation</TabsTrigger>
        </TabsList>
        <TabsContent value="helm">
          <pre style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>{helm}</pre>
          <Button onClick={() => copy(helm)}>Copy</Button>
        </TabsContent>
        <TabsContent value="docker">
          <pre style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>{docker}</pre>
          <Button onClick={() => copy(docker)}>Copy</Button>
          <p>Run the same command again to add instances.</p>
        </TabsContent>
        <TabsContent value="cloudformation">
          <p>Paste the key into the RunnerApiKey field of the stack.</p>
        </TabsContent>
      </Tabs>
    </div>
  );
}
