import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fromBinary } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import { PageCursorSchema } from '../../../gen/mesh/v1/paging_pb.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, paginate } from '../../../src/services/shared/page-token.js';

const items = Array.from({ length: 2500 }, (_, index) => ({ id: `item-${index}` }));
const options = { filter: { owner: 'a' }, idOf: (item: { id: string }) => item.id };

describe('paginate', () => {
  test('walks every item once with opaque base64url tokens encoding a PageCursor', () => {
    const seen: string[] = [];
    let pageToken = '';
    do {
      const page = paginate(items, { pageSize: 700, pageToken }, options);
      seen.push(...page.items.map((item) => item.id));
      if (page.nextPageToken) {
        assert.match(page.nextPageToken, /^[A-Za-z0-9_-]+$/);
        const cursor = fromBinary(PageCursorSchema, Buffer.from(page.nextPageToken, 'base64url'));
        assert.equal(cursor.lastId, page.items.at(-1)?.id);
        assert.equal(cursor.requestFingerprint.length, 16);
      }
      pageToken = page.nextPageToken;
    } while (pageToken);
    assert.deepEqual(seen, items.map((item) => item.id));
  });

  test('defaults and caps the page size', () => {
    assert.equal(paginate(items, { pageSize: 0, pageToken: '' }, options).items.length, DEFAULT_PAGE_SIZE);
    assert.equal(paginate(items, { pageSize: 5000, pageToken: '' }, options).items.length, MAX_PAGE_SIZE);
    assert.equal(paginate([], { pageSize: 0, pageToken: '' }, options).nextPageToken, '');
  });

  test('resumes after the last item seen when newer items were inserted ahead', () => {
    const first = paginate(items, { pageSize: 10, pageToken: '' }, options);
    const grown = [{ id: 'new-1' }, { id: 'new-2' }, ...items];
    const second = paginate(grown, { pageSize: 10, pageToken: first.nextPageToken }, options);
    assert.equal(second.items[0]?.id, 'item-10');
  });

  test('rejects a token from other filters, a forged token and a negative size with INVALID_ARGUMENT', () => {
    const { nextPageToken } = paginate(items, { pageSize: 10, pageToken: '' }, options);
    const invalid = (error: unknown) => error instanceof ConnectError && error.code === Code.InvalidArgument;
    assert.throws(() => paginate(items, { pageSize: 10, pageToken: nextPageToken }, { ...options, filter: { owner: 'b' } }), invalid);
    assert.throws(() => paginate(items, { pageSize: 10, pageToken: 'not a token!' }, options), invalid);
    assert.throws(() => paginate(items, { pageSize: 10, pageToken: '_w' }, options), invalid);
    assert.throws(() => paginate(items, { pageSize: -1, pageToken: '' }, options), invalid);
  });
});
