/**
 * Starting a worker thread from this folder: the compiled .js next to this file, or, when running from
 * the TypeScript sources (tests under tsx), the .ts with tsx registered in the worker first.
 */
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

const FROM_SOURCE = import.meta.url.endsWith('.ts');

/** `name` without extension, e.g. "search-worker". */
export function startWorker(name: string, workerData: unknown): Worker {
  const url = new URL(`./${name}${FROM_SOURCE ? '.ts' : '.js'}`, import.meta.url);
  if (!FROM_SOURCE) return new Worker(fileURLToPath(url), { workerData });
  const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(url.href)}); })`;
  return new Worker(boot, { eval: true, workerData });
}
