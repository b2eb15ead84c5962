import Table from 'cli-table3';

// No colours (the same text goes to terminals, pipes and test assertions) and no line between rows.
const COMPACT_CHARS = { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' };

/** createPlainTable returns a cli-table3 table with the CLI's look: uncoloured, one line per row. */
export function createPlainTable(head: string[]): Table.Table {
  return new Table({ head, style: { head: [], border: [] }, chars: COMPACT_CHARS });
}
