import { fileURLToPath } from 'node:url';

/** REPO_ROOT is the project's root directory, where `--import tsx` resolves and `.cache/` lives. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
