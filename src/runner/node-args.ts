import { createRequire } from 'node:module';
import { extname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Node arguments that let a child process run TypeScript files (tsx resolved absolutely, so any cwd works). */
export function tsxNodeArgs(): string[] {
  const loader = createRequire(import.meta.url).resolve('tsx');
  return ['--import', pathToFileURL(loader).href];
}

/** Absolute path of a file next to this module. */
export function runnerFile(name: string): string {
  return fileURLToPath(new URL(name, import.meta.url));
}

// The runner image runs the bundle `npm run build:runner` makes (cli.mjs and work.mjs, no tsx in the
// image); from a checkout it runs the TypeScript sources through tsx.
const ownExtension = extname(fileURLToPath(import.meta.url));

/** How to start a sibling entry point (`work`) the way this code itself runs: Node arguments, then the script. */
export function siblingEntry(name: string): { nodeArgs: string[]; script: string } {
  if (ownExtension === '.ts') return { nodeArgs: tsxNodeArgs(), script: runnerFile(`./${name}.ts`) };
  return { nodeArgs: [], script: runnerFile(`./${name}${ownExtension}`) };
}
