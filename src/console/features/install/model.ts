// What the install view says about the server URL the commands carry (PRODUCT.md §3 round 2 "Install view").

/** Whether a host name is this machine: 127.0.0.0/8, `localhost` (and its subdomains), `::1`. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  return /^127(\.\d{1,3}){3}$/.test(h);
}

/**
 * The warning the server URL deserves, or null: a loopback address other machines cannot reach, or
 * plain http to another host, over which the registration key would travel unencrypted.
 */
export function serverUrlWarning(serverUrl: string): { kind: 'loopback' | 'plain-http'; text: string } | null {
  let url: URL;
  try {
    url = new URL(serverUrl);
  } catch {
    return null;
  }
  if (isLoopbackHost(url.hostname)) {
    return {
      kind: 'loopback',
      text: `Runners on other machines cannot reach ${serverUrl}. Set PADDOCK_PUBLIC_URL to an address they can reach.`,
    };
  }
  if (url.protocol === 'http:') {
    return {
      kind: 'plain-http',
      text: `${serverUrl} is plain http: the registration key and the runners' tokens travel unencrypted to ${url.host}. Serve Paddock over HTTPS and set PADDOCK_PUBLIC_URL to its https:// address.`,
    };
  }
  return null;
}
