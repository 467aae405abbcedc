/** Every API path, in one place; the console and the server both build URLs from these. */
export const api = {
  base: '/api/v1',
  session: '/api/v1/session',
  runnerGroups: '/api/v1/runner-groups',
  runnerGroup: (id: string) => `/api/v1/runner-groups/${encodeURIComponent(id)}`,
  registrationKey: (id: string) => `/api/v1/runner-groups/${encodeURIComponent(id)}/registration-key`,
  instances: (id: string) => `/api/v1/runner-groups/${encodeURIComponent(id)}/instances`,
  instance: (id: string, instanceId: string) =>
    `/api/v1/runner-groups/${encodeURIComponent(id)}/instances/${encodeURIComponent(instanceId)}`,
  instanceStop: (id: string, instanceId: string) =>
    `/api/v1/runner-groups/${encodeURIComponent(id)}/instances/${encodeURIComponent(instanceId)}/stop`,
  updates: (id: string) => `/api/v1/runner-groups/${encodeURIComponent(id)}/updates`,
  auditEvents: '/api/v1/audit-events',
  auditGroups: '/api/v1/audit-events/groups',
  events: '/api/v1/events',
  install: (platform: string) => `/api/v1/install/${encodeURIComponent(platform)}`,
  healthz: '/api/v1/healthz',
  readyz: '/api/v1/readyz',
  runnerRegister: '/api/v1/runner/register',
  runnerHeartbeat: '/api/v1/runner/heartbeat',
  runnerEvents: '/api/v1/runner/events',
  runnerTerminations: '/api/v1/runner/terminations',
  tokens: '/api/v1/tokens',
  token: (id: string) => `/api/v1/tokens/${encodeURIComponent(id)}`,
  openapi: '/api/v1/openapi.json',
} as const;
