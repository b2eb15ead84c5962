import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { createHash } from 'node:crypto';
import { PageCursorSchema, type PageCursor } from '../../../gen/mesh/v1/paging_pb.js';
import { invalidArgument } from './service-errors.js';

/** DEFAULT_PAGE_SIZE is the page size of a List call whose page_size is 0. */
export const DEFAULT_PAGE_SIZE = 50;

/** MAX_PAGE_SIZE caps page_size, as AIP-158 lets servers do. */
export const MAX_PAGE_SIZE = 1000;

/** PageRequest is the AIP-158 part of a List request. */
export interface PageRequest {
  pageSize: number;
  pageToken: string;
}

/** Page is one page of a list and the token of the next one ("" when it is the last). */
export interface Page<T> {
  items: T[];
  nextPageToken: string;
}

/** PaginateOptions says how to fingerprint a request and identify its items. */
export interface PaginateOptions<T> {
  /** filter holds the request's filter fields; a token is only valid with the same filter. */
  filter: Record<string, string | number>;
  /** idOf lets a token resume after the last item seen even when newer items were inserted before it. */
  idOf: (item: T) => string;
}

/** requestFingerprint hashes a request's filter fields for PageCursor.request_fingerprint. */
export function requestFingerprint(filter: Record<string, string | number>): Uint8Array {
  const canonical = JSON.stringify(Object.entries(filter).sort(([a], [b]) => a.localeCompare(b)));
  return createHash('sha256').update(canonical).digest().subarray(0, 16);
}

/** encodePageToken renders a PageCursor as an opaque base64url page token. */
export function encodePageToken(cursor: PageCursor): string {
  return Buffer.from(toBinary(PageCursorSchema, cursor)).toString('base64url');
}

/** decodePageToken parses a page token, failing with INVALID_ARGUMENT when it is malformed. */
export function decodePageToken(token: string): PageCursor {
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(token)) throw new Error('not base64url');
    return fromBinary(PageCursorSchema, Buffer.from(token, 'base64url'));
  } catch {
    throw invalidArgument('page_token', 'page_token', 'is not a token this service issued');
  }
}

/**
 * paginate cuts one page out of an ordered list per AIP-158: page_size 0
 * means DEFAULT_PAGE_SIZE, larger sizes are capped at MAX_PAGE_SIZE, and a
 * token used with other filters is INVALID_ARGUMENT.
 */
export function paginate<T>(items: readonly T[], request: PageRequest, options: PaginateOptions<T>): Page<T> {
  if (request.pageSize < 0) throw invalidArgument('page_size', 'min', 'must not be negative');
  const size = Math.min(request.pageSize || DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
  const fingerprint = requestFingerprint(options.filter);
  let start = 0;
  if (request.pageToken !== '') {
    const cursor = decodePageToken(request.pageToken);
    if (Buffer.compare(Buffer.from(cursor.requestFingerprint), Buffer.from(fingerprint)) !== 0) {
      throw invalidArgument('page_token', 'page_token', 'was issued for a request with other filters');
    }
    // Resume after the last item seen when it is still there: items inserted
    // ahead of it (lists are newest first) would otherwise shift the offset.
    const afterLast = cursor.lastId === '' ? -1 : items.findIndex((item) => options.idOf(item) === cursor.lastId);
    start = afterLast >= 0 ? afterLast + 1 : Number(cursor.offset);
  }
  const page = items.slice(start, start + size);
  const end = start + page.length;
  const last = page.at(-1);
  const nextPageToken =
    end < items.length && last !== undefined
      ? encodePageToken(create(PageCursorSchema, { offset: BigInt(end), lastId: options.idOf(last), requestFingerprint: fingerprint }))
      : '';
  return { items: page, nextPageToken };
}
