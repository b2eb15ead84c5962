import { fileURLToPath } from 'node:url';
import { startFixture, type Child } from '../support/child-process.js';

export type { Child } from '../support/child-process.js';

/** startChild runs test/jobs/fixtures/<name>.ts with tsx and the test's environment (KAFKA_BROKERS). */
export function startChild(name: string, args: string[], env: Record<string, string> = {}): Child {
  return startFixture(fileURLToPath(new URL(`./fixtures/${name}.ts`, import.meta.url)), args, env);
}
