import { clone, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import { invalidArgument } from './service-errors.js';

/** FULL_REPLACEMENT_PATH is the AIP-134 mask path that means "every updatable field". */
export const FULL_REPLACEMENT_PATH = '*';

/**
 * applyFieldMask returns a copy of `target` with the fields named in
 * `paths` (proto names, top-level only) taken from `source`. Unknown,
 * nested and `immutable` paths fail with INVALID_ARGUMENT on update_mask,
 * and so does an empty mask: a required mask that changes nothing is a bug.
 */
export function applyFieldMask<Desc extends DescMessage>(
  schema: Desc,
  target: MessageShape<Desc>,
  source: MessageShape<Desc>,
  paths: readonly string[],
  immutable: readonly string[],
): MessageShape<Desc> {
  if (paths.length === 0) throw invalidArgument('update_mask', 'required', 'must name at least one field');
  const expanded = paths.includes(FULL_REPLACEMENT_PATH) ? schema.fields.map((field) => field.name).filter((name) => !immutable.includes(name)) : paths;
  const next = clone(schema, target) as Record<string, unknown>;
  const values = clone(schema, source) as Record<string, unknown>;
  for (const path of expanded) {
    const field = schema.fields.find((candidate) => candidate.name === path);
    if (field === undefined) throw invalidArgument('update_mask', 'field_mask', `unknown field ${JSON.stringify(path)}`);
    // A oneof member lives under its oneof's property; no masked message has one yet.
    if (field.oneof !== undefined) throw invalidArgument('update_mask', 'field_mask', `oneof field ${JSON.stringify(path)} cannot be masked`);
    if (immutable.includes(path)) throw invalidArgument('update_mask', 'field_mask', `field ${JSON.stringify(path)} cannot be updated`);
    next[field.localName] = values[field.localName];
  }
  return next as MessageShape<Desc>;
}
