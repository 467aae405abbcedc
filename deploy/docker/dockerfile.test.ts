// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Dockerfile ${ARG} substitutions are checked as literal text
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { dockerCommand, dockerEnvNames } from '../../src/contract';
import { defaultRunnerVersion } from '../../src/contract';

const root = join(import.meta.dirname, '../..');

type Instruction = { op: string; args: string };

/** Dockerfile instructions, continuation lines joined and comments dropped. */
function instructions(file: string): Instruction[] {
  const text = readFileSync(join(import.meta.dirname, file), 'utf8')
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ');
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [op, ...rest] = line.split(/\s+/);
      return { op: op!.toUpperCase(), args: rest.join(' ') };
    });
}

/** `ENV A=1 B=""` → { A: '1', B: '' } over every ENV instruction. */
function envOf(list: Instruction[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { args } of list.filter((i) => i.op === 'ENV')) {
    for (const m of args.matchAll(/([A-Z_][A-Z0-9_]*)=("[^"]*"|\S*)/g)) env[m[1]!] = m[2]!.replace(/^"|"$/g, '');
  }
  return env;
}

/** The argv a real shell hands to docker. */
function argv(command: string): string[] {
  const out = execFileSync('sh', ['-c', `printf '%s\\0' ${command}`], { encoding: 'utf8', env: { PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'ignore'] });
  return out.split('\0').slice(0, -1);
}

const runner = instructions('Dockerfile');
const controlPlane = instructions('Dockerfile.control-plane');
const command = dockerCommand({
  groupName: 'Prod EU',
  serverUrl: 'https://paddock.example.com',
  registrationKey: `prk_${'a'.repeat(46)}`,
  runnerImage: 'ghcr.io/paddock/runner',
  runnerVersion: '1.4.0',
});

describe('runner image (deploy/docker/Dockerfile)', () => {
  it('declares as inputs exactly the environment variables the Docker command sets', () => {
    const words = argv(command);
    const set = words.flatMap((w, i) => (words[i - 1] === '-e' ? [w.slice(0, w.indexOf('='))] : [])).sort();
    expect(set).toEqual([...dockerEnvNames].sort());
    const env = envOf(runner);
    const inputs = Object.entries(env)
      .filter(([, v]) => v === '')
      .map(([k]) => k)
      .sort();
    expect(inputs).toEqual(set);
  });

  it('bakes in only facts about the image: its platform and version', () => {
    const env = envOf(runner);
    const facts = Object.fromEntries(Object.entries(env).filter(([k, v]) => v !== '' && k.startsWith('PADDOCK_')));
    expect(facts).toEqual({ PADDOCK_RUNNER_PLATFORM: 'docker', PADDOCK_AGENT_VERSION: '${RUNNER_VERSION}' });
    const arg = runner.find((i) => i.op === 'ARG' && i.args.startsWith('RUNNER_VERSION='));
    expect(arg?.args).toBe(`RUNNER_VERSION=${defaultRunnerVersion}`);
    const chart = parseYaml(readFileSync(join(root, 'deploy/helm/paddock-runner/Chart.yaml'), 'utf8')) as { appVersion: string };
    expect(chart.appVersion).toBe(defaultRunnerVersion);
  });

  it('every PADDOCK_ variable it declares is one the runner reads', () => {
    const source = readdirSync(join(root, 'src/runner'))
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
      .map((f) => readFileSync(join(root, 'src/runner', f), 'utf8'))
      .join('\n');
    const names = Object.keys(envOf(runner)).filter((k) => k.startsWith('PADDOCK_'));
    expect(names.length).toBe(4);
    for (const name of names) expect(source, name).toContain(`'${name}'`);
  });

  it('runs the agent of src/runner, compiled to JavaScript, as a non-root user', () => {
    const user = runner.filter((i) => i.op === 'USER').at(-1);
    expect(user?.args).toBe('node');
    expect(runner.findIndex((i) => i.op === 'USER')).toBeGreaterThan(runner.findLastIndex((i) => i.op === 'RUN'));
    // No TypeScript at start (PRODUCT.md §14): the build stage bundles cli.ts and work.ts, the image runs the bundle.
    expect(runner.some((i) => i.op === 'RUN' && i.args === 'npm run build:runner')).toBe(true);
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts['build:runner']).toMatch(/^esbuild src\/runner\/cli\.ts src\/runner\/work\.ts --bundle --platform=node .*--outdir=build\/runner/);
    expect(runner.some((i) => i.op === 'COPY' && i.args === '--from=build /src/build/runner ./')).toBe(true);
    const entry = JSON.parse(runner.find((i) => i.op === 'ENTRYPOINT')!.args) as string[];
    expect(entry).toEqual(['node', '/opt/paddock/cli.mjs']);
    expect(runner.filter((i) => i.op === 'FROM').map((i) => i.args)).toEqual(['node:20-bookworm-slim AS build', 'node:20-bookworm-slim']);
    expect(existsSync(join(root, 'src/runner/cli.ts'))).toBe(true);
  });

  it('mounts the Docker socket, restarts unless stopped and names no container (so it can be run again)', () => {
    const words = argv(command);
    expect(words.slice(0, 3)).toEqual(['docker', 'run', '-d']);
    expect(words[words.indexOf('-v') + 1]).toBe('/var/run/docker.sock:/var/run/docker.sock');
    expect(words[words.indexOf('--restart') + 1]).toBe('unless-stopped');
    expect(words).not.toContain('--name');
    expect(words[words.indexOf('--label') + 1]).toBe('paddock.runner-group=prod-eu');
  });
});

describe('both images', () => {
  it.each([
    ['Dockerfile', runner],
    ['Dockerfile.control-plane', controlPlane],
  ])('%s copies only paths that exist and ignores local state', (file, list) => {
    for (const copy of list.filter((i) => i.op === 'COPY' && !i.args.startsWith('--from'))) {
      const sources = copy.args.split(/\s+/).slice(0, -1);
      for (const s of sources) expect(existsSync(join(root, s)), `${file}: COPY ${s}`).toBe(true);
    }
    const ignore = readFileSync(join(import.meta.dirname, `${file}.dockerignore`), 'utf8');
    for (const p of ['node_modules', '.paddock', '.git']) expect(ignore.split('\n')).toContain(p);
  });

  it('control plane serves the built console and the API as a non-root user', () => {
    const entry = JSON.parse(controlPlane.find((i) => i.op === 'ENTRYPOINT')!.args) as string[];
    expect(entry).toEqual(['node', 'build/server/main.js']);
    expect(controlPlane.some((i) => i.op === 'COPY' && i.args === '--from=build /src/build/server ./build/server')).toBe(true);
    expect(controlPlane.filter((i) => i.op === 'USER').at(-1)?.args).toBe('node');
    expect(controlPlane.some((i) => i.op === 'COPY' && i.args === '--from=build /src/dist ./dist')).toBe(true);
    const env = envOf(controlPlane);
    expect(env).toMatchObject({ PORT: '8080', PADDOCK_DATA_DIR: '/data' });
    expect(controlPlane.find((i) => i.op === 'EXPOSE')?.args).toBe(env.PORT);
    expect(controlPlane.find((i) => i.op === 'HEALTHCHECK')?.args).toContain('/api/v1/healthz');
  });
});
