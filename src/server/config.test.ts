import { describe, expect, it } from 'vitest';
import { networkInterfaces } from 'node:os';
import { allowedOrigins, configFromEnv, publicUrlOf } from './config';

describe('configFromEnv (PRODUCT.md §7)', () => {
  it('has the documented defaults', () => {
    expect(configFromEnv({})).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      dataDir: './.paddock',
      databaseUrl: '',
      runnerVersion: '1.4.0',
      heartbeatSeconds: 5,
      offlineAfterSeconds: 20,
      updateDeadlineSeconds: 300,
      retentionDays: 7,
      auditRetentionDays: 365,
    });
  });
  it('reads every variable', () => {
    const c = configFromEnv({
      PORT: '9090',
      HOST: '0.0.0.0',
      PADDOCK_DATA_DIR: '/var/lib/paddock',
      DATABASE_URL: 'postgres://db/paddock',
      PADDOCK_PUBLIC_URL: 'https://paddock.example.com/',
      PADDOCK_ADMIN_PASSWORD: 'pw',
      PADDOCK_RUNNER_VERSION: '2.1.0',
      PADDOCK_RUNNER_IMAGE: 'registry/runner',
      PADDOCK_HELM_CHART: 'oci://charts/runner',
      PADDOCK_CFN_TEMPLATE_URL: 'https://t/runner.yaml',
      PADDOCK_HEARTBEAT_SECONDS: '2',
      PADDOCK_OFFLINE_AFTER_SECONDS: '8',
      PADDOCK_UPDATE_DEADLINE_SECONDS: '60',
      PADDOCK_RETENTION_DAYS: '0.5',
      PADDOCK_AUDIT_RETENTION_DAYS: '90',
    });
    expect(c).toMatchObject({
      port: 9090,
      host: '0.0.0.0',
      dataDir: '/var/lib/paddock',
      databaseUrl: 'postgres://db/paddock',
      publicUrl: 'https://paddock.example.com',
      adminPassword: 'pw',
      runnerVersion: '2.1.0',
      runnerImage: 'registry/runner',
      helmChart: 'oci://charts/runner',
      cfnTemplateUrl: 'https://t/runner.yaml',
      heartbeatSeconds: 2,
      offlineAfterSeconds: 8,
      updateDeadlineSeconds: 60,
      retentionDays: 0.5,
      auditRetentionDays: 90,
    });
  });
  it('treats an empty DATABASE_URL as embedded PGlite and refuses nonsense', () => {
    expect(configFromEnv({ DATABASE_URL: '' }).databaseUrl).toBe('');
    expect(() => configFromEnv({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => configFromEnv({ PADDOCK_OFFLINE_AFTER_SECONDS: '-1' })).toThrow(/PADDOCK_OFFLINE_AFTER_SECONDS/);
    expect(() => configFromEnv({ PADDOCK_RETENTION_DAYS: '0' })).toThrow(/PADDOCK_RETENTION_DAYS/);
    expect(() => configFromEnv({ PADDOCK_AUDIT_RETENTION_DAYS: 'forever' })).toThrow(/PADDOCK_AUDIT_RETENTION_DAYS/);
  });
  it('reads the alert delay and the SMTP settings, and never echoes an SMTP URL it refuses', () => {
    expect(configFromEnv({})).toMatchObject({ alertAfterSeconds: 60, smtpUrl: '', smtpFrom: '' });
    const c = configFromEnv({
      PADDOCK_ALERT_AFTER_SECONDS: '30',
      PADDOCK_SMTP_URL: 'smtps://ops:s3cret-pw@mail.example.com:465',
      PADDOCK_SMTP_FROM: 'Paddock <paddock@example.com>',
    });
    expect(c).toMatchObject({ alertAfterSeconds: 30, smtpUrl: 'smtps://ops:s3cret-pw@mail.example.com:465', smtpFrom: 'Paddock <paddock@example.com>' });
    expect(() => configFromEnv({ PADDOCK_ALERT_AFTER_SECONDS: '0' })).toThrow(/PADDOCK_ALERT_AFTER_SECONDS/);
    for (const bad of ['http://ops:s3cret-pw@mail.example.com', 'not a url s3cret-pw']) {
      let message = '';
      try {
        configFromEnv({ PADDOCK_SMTP_URL: bad });
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toMatch(/PADDOCK_SMTP_URL/);
      expect(message).not.toContain('s3cret-pw');
    }
  });
});

describe('publicUrlOf and allowedOrigins: configuration only, never a request header', () => {
  it('PADDOCK_PUBLIC_URL wins; else the listen address, bracketed for IPv6', () => {
    expect(publicUrlOf({ publicUrl: 'https://paddock.example.com', host: '127.0.0.1', port: 8080 })).toBe('https://paddock.example.com');
    expect(publicUrlOf({ publicUrl: '', host: '127.0.0.1', port: 8080 })).toBe('http://127.0.0.1:8080');
    expect(publicUrlOf({ publicUrl: '', host: '::1', port: 9 })).toBe('http://[::1]:9');
  });
  it('a wildcard listen address becomes an address of this machine, never 0.0.0.0', () => {
    const url = publicUrlOf({ publicUrl: '', host: '0.0.0.0', port: 8080 });
    const own = Object.values(networkInterfaces())
      .flat()
      .filter((a) => a?.family === 'IPv4')
      .map((a) => `http://${a!.address}:8080`);
    expect(own).toContain(url);
  });
  it('origins: the public URL and the loopback names of a loopback listener, nothing else', () => {
    const o = allowedOrigins({ publicUrl: 'https://paddock.example.com', host: '127.0.0.1', port: 8080 });
    expect([...o].sort()).toEqual(['http://127.0.0.1:8080', 'http://[::1]:8080', 'http://localhost:8080', 'https://paddock.example.com'].sort());
    expect(o.has('http://evil.example:8080')).toBe(false);
  });
});
