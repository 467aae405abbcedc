import { describe, expect, it } from 'vitest';
import type { NotificationPayload } from '../../contract';
import { emailMessage, groupUrl, slackBody, summaryLine } from './messages';

const group = { id: 'g-1', name: 'Prod EU', health: 'down', connectedCount: 0, instanceCount: 2 };
const payload = (type: NotificationPayload['type'], data: Record<string, unknown> = {}): NotificationPayload => ({
  type,
  id: 'e-1',
  timestamp: '2026-03-01T12:00:00.000Z',
  data: { group, url: 'https://paddock.example.com/runners/g-1', ...data },
});

describe('notification messages', () => {
  it('links to the console address of the group, from PADDOCK_PUBLIC_URL', () => {
    expect(groupUrl('https://paddock.example.com/', 'a b')).toBe('https://paddock.example.com/runners/a%20b');
  });

  it('says each event in one line', () => {
    expect(summaryLine(payload('group.down'))).toBe('Prod EU is down: no runner connected (0 of 2 connected)');
    const degraded = { ...group, health: 'degraded', connectedCount: 1, healthReasons: ['1 disconnected', '1 OOMKilled in the last hour'] };
    expect(summaryLine(payload('group.degraded', { group: degraded }))).toBe(
      'Prod EU is degraded: 1 disconnected, 1 OOMKilled in the last hour (1 of 2 connected)',
    );
    expect(summaryLine(payload('group.recovered', { group: { ...group, health: 'healthy', connectedCount: 2 } }))).toBe('Prod EU recovered (2 of 2 connected)');
    expect(summaryLine(payload('update.rolled_back', { update: { targetVersion: '1.5.0', reason: 'Deadline passed' } }))).toBe(
      'Prod EU: update to 1.5.0 rolled back: Deadline passed',
    );
    expect(
      summaryLine(payload('instance.ended', { instance: { name: 'r-1', termination: { exitCode: 137, signal: null, reason: 'OOMKilled', cause: 'oom_killed', at: '' } } })),
    ).toBe('r-1 in Prod EU ended — Host out of memory: the container hit its memory limit (raise limit_memory) (exit 137)');
  });

  it('gives Slack one line of text with runner-supplied markup escaped, and a link block', () => {
    const body = slackBody(payload('instance.ended', { instance: { name: '<!channel> & <evil|x>', termination: null } }));
    expect(body.text).not.toContain('\n');
    expect(body.text).toContain('&lt;!channel&gt; &amp; &lt;evil|x&gt;');
    expect(body.text).not.toContain('<!channel>');
    expect(JSON.stringify(body.blocks)).toContain('<https://paddock.example.com/runners/g-1|Open in Paddock>');
  });

  it('writes an e-mail whose subject is one line', () => {
    const m = emailMessage(payload('update.rolled_back', { update: { targetVersion: '1.5.0', fromVersions: ['1.4.0'], state: 'rolled_back', reason: 'line one\nline two' } }));
    expect(m.subject).not.toMatch(/[\r\n]/);
    expect(m.subject.startsWith('[Paddock] Prod EU: update to 1.5.0 rolled back')).toBe(true);
    expect(m.text).toContain('Open in Paddock: https://paddock.example.com/runners/g-1');
  });
});
