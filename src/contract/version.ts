/** Compares two runner versions (semver precedence, pre-releases before releases). */
export function compareVersions(a: string, b: string): number {
  const [coreA, preA] = splitVersion(a);
  const [coreB, preB] = splitVersion(b);
  for (let i = 0; i < 3; i++) {
    const d = (coreA[i] ?? 0) - (coreB[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  if (preA === preB) return 0;
  if (preA === null) return 1;
  if (preB === null) return -1;
  return preA < preB ? -1 : 1;
}

function splitVersion(v: string): [number[], string | null] {
  const dash = v.indexOf('-');
  const core = dash === -1 ? v : v.slice(0, dash);
  return [core.split('.').map((n) => Number.parseInt(n, 10) || 0), dash === -1 ? null : v.slice(dash + 1)];
}

/** Runner version assumed when PADDOCK_RUNNER_VERSION is unset. */
export const defaultRunnerVersion = '1.4.0';
