import { causeText, eventTypeLabel, type Instance, type NotificationPayload } from '../../contract';

/**
 * The console address of a group (PRODUCT.md §3): where the person paged at 3 a.m. lands.
 * `base` is PADDOCK_PUBLIC_URL, or the listen address when it is not set.
 */
export function groupUrl(base: string, groupId: string): string {
  return `${base.replace(/\/+$/, '')}/runners/${encodeURIComponent(groupId)}`;
}

type Data = NotificationPayload['data'];

/** One line that says what happened, for Slack's `text`, an e-mail's subject and logs. */
export function summaryLine(p: NotificationPayload): string {
  const d = p.data as Data & { instance?: Partial<Instance>; update?: Record<string, unknown>; message?: string };
  const g = d.group;
  const name = g?.name ?? 'a runner group';
  const counts = g ? ` (${g.connectedCount} of ${g.instanceCount} connected)` : '';
  switch (p.type) {
    case 'group.down':
      return `${name} is down: no runner connected${counts}`;
    case 'group.degraded': {
      const why = g?.healthReasons?.length ? `: ${g.healthReasons.join(', ')}` : '';
      return `${name} is degraded${why}${counts}`;
    }
    case 'group.recovered':
      return `${name} recovered${counts}`;
    case 'update.succeeded':
      return `${name} updated to ${String(d.update?.targetVersion ?? '')}`.trim();
    case 'update.rolled_back':
      return `${name}: update to ${String(d.update?.targetVersion ?? '')} rolled back${d.update?.reason ? `: ${String(d.update.reason)}` : ''}`;
    case 'instance.ended': {
      const t = d.instance?.termination;
      const how = t ? causeText[t.cause] : 'ended';
      const code = t ? [t.exitCode !== null ? `exit ${t.exitCode}` : '', t.signal !== null ? `signal ${t.signal}` : ''].filter(Boolean).join(', ') : '';
      return `${d.instance?.name ?? 'A runner'} in ${name} ended — ${how}${code ? ` (${code})` : ''}`;
    }
    case 'test':
      return d.message ?? 'Test notification from Paddock';
  }
}

/** Slack's mrkdwn gives &, < and > meaning; runner-supplied text must not. */
function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A Slack incoming-webhook body: a one-line `text` (notifications, fallbacks) plus blocks. */
export function slackBody(p: NotificationPayload): { text: string; blocks: unknown[] } {
  const line = summaryLine(p);
  const label = eventTypeLabel[p.type];
  return {
    text: slackEscape(`${label}: ${line}`),
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*${slackEscape(label)}*: ${slackEscape(line)}` } },
      {
        type: 'context',
        elements: [{ type: 'mrkdwn', text: `<${p.data.url}|Open in Paddock> · ${slackEscape(p.timestamp)}` }],
      },
    ],
  };
}

/** An e-mail: the line as subject, the facts as plain text. */
export function emailMessage(p: NotificationPayload): { subject: string; text: string } {
  const line = summaryLine(p);
  const d = p.data as Data & { instance?: Partial<Instance>; update?: Record<string, unknown> };
  const facts: string[] = [line, ''];
  if (d.group) {
    facts.push(`Group: ${d.group.name} — ${d.group.health}, ${d.group.connectedCount} of ${d.group.instanceCount} connected`);
    if (d.group.healthReasons?.length) facts.push(`Why: ${d.group.healthReasons.join(', ')}`);
  }
  if (d.instance) {
    const t = d.instance.termination;
    facts.push(`Instance: ${d.instance.name ?? ''} on ${d.instance.hostname ?? ''} (${d.instance.platform ?? ''}, ${d.instance.version ?? ''})`);
    if (t) facts.push(`How it ended: ${causeText[t.cause]} — exit code ${t.exitCode ?? '—'}, signal ${t.signal ?? '—'}, reason ${t.reason ?? '—'}`);
  }
  if (d.update) {
    facts.push(`Update: to ${String(d.update.targetVersion)} from ${(d.update.fromVersions as string[] | undefined)?.join(', ') ?? ''}, ${String(d.update.state)}`);
    if (d.update.reason) facts.push(`Reason: ${String(d.update.reason)}`);
  }
  facts.push('', `Open in Paddock: ${p.data.url}`, `Event ${p.id} (${p.type}) at ${p.timestamp}`);
  return { subject: `[Paddock] ${line}`.replace(/[\r\n]+/g, " "), text: facts.join("\n") };
}
