import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ReplayHandler } from '../replay/index.js';
import { CliError } from './cli-error.js';

/**
 * loadReplayHandler imports a handler module (path relative to the working
 * directory; .ts works, the CLI runs under tsx) whose default export is an
 * async function(record, context); anything else is a CliError HANDLER_INVALID.
 */
export async function loadReplayHandler(path: string): Promise<ReplayHandler> {
  let module: { default?: unknown };
  try {
    module = (await import(pathToFileURL(resolve(path)).href)) as { default?: unknown };
  } catch (error) {
    throw new CliError('HANDLER_INVALID', `cannot load handler module ${path}: ${(error as Error).message}`, { cause: error });
  }
  if (typeof module.default !== 'function') {
    throw new CliError('HANDLER_INVALID', `handler module ${path} must export a default async function(record), e.g. \`export default async function (record) { ... }\``);
  }
  return module.default as ReplayHandler;
}
