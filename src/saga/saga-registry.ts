import type { AnySagaDefinition } from './saga-definition.js';
import { SagaError } from './saga-error.js';

/**
 * SagaRegistry holds definitions by name and version: new sagas start on a
 * name's highest version, and a saga read back from the log continues on the
 * version it started with.
 */
export class SagaRegistry {
  private readonly byName = new Map<string, Map<number, AnySagaDefinition>>();

  /** register adds a definition; a second one with the same name and version is refused. */
  register(definition: AnySagaDefinition): void {
    validate(definition);
    const versions = this.byName.get(definition.name) ?? new Map<number, AnySagaDefinition>();
    if (versions.has(definition.version)) {
      throw new SagaError('DUPLICATE_DEFINITION', `saga ${definition.name} version ${definition.version} is already registered`);
    }
    versions.set(definition.version, definition);
    this.byName.set(definition.name, versions);
  }

  /** latest returns the highest version of a name. */
  latest(name: string): AnySagaDefinition {
    const versions = this.byName.get(name);
    if (!versions || versions.size === 0) throw new SagaError('UNKNOWN_DEFINITION', `no saga named ${name} is registered`);
    return versions.get(Math.max(...versions.keys()))!;
  }

  /** find returns one version of a name, or undefined. */
  find(name: string, version: number): AnySagaDefinition | undefined {
    return this.byName.get(name)?.get(version);
  }
}

function validate(definition: AnySagaDefinition): void {
  const invalid = (why: string) => new SagaError('INVALID_DEFINITION', `saga ${definition.name || '(unnamed)'}: ${why}`);
  if (!definition.name) throw invalid('the name is empty');
  if (!Number.isInteger(definition.version) || definition.version < 1) throw invalid('the version must be a positive integer');
  if (definition.steps.length === 0) throw invalid('it has no steps');
  const names = new Set<string>();
  for (const step of definition.steps) {
    if (!step.name) throw invalid('a step has no name');
    if (names.has(step.name)) throw invalid(`two steps are named ${step.name}`);
    names.add(step.name);
  }
}
