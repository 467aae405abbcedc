import type { InstallTemplate, RunnerGroup } from '../../../../contract/schemas';

/** What the install view takes: the group, its key (props only, never cached or stored) and a copy hook. */
export type InstallViewProps = { group: RunnerGroup; registrationKey: string; onCopied: () => void };

/**
 * What each tab receives: the install view's props and its platform's template. A module of its own,
 * so the tabs and the view that renders them do not import each other.
 */
export type TabProps = InstallViewProps & { template: InstallTemplate };
