import { randomUUID } from 'node:crypto';

/** newId returns a random id with a readable prefix naming its resource, e.g. "job_1b4e…". */
export function newId(prefix: string): string {
  return `${prefix}_${randomUUID()}`;
}
