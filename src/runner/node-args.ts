import { createRequire } from 'node:module';
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
