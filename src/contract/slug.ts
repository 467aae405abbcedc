/**
 * The DNS-1123 label derived from a group name, used for Kubernetes and Docker names
 * (`<slug>-runner`, `<slug>-runner-secret`, the Helm release). At most 53 characters: Helm's
 * release-name limit, which also keeps `<slug>-runner` within a 63-character label value.
 */
export function groupSlug(name: string): string {
  const slug = name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 53)
    .replace(/^-+|-+$/g, '');
  return slug === '' ? 'runner-group' : slug;
}

/** Namespace the console's Helm command installs into unless the user picks another. */
export const defaultRunnerNamespace = 'paddock';
