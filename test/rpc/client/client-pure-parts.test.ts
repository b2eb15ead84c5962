import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AuthService } from '../../../gen/auth/v1/auth_service_pb.js';
import { BillingService } from '../../../gen/billing/v1/billing_service_pb.js';
import {
  DEFAULT_SERVICE_URLS,
  MESH_SERVICE_NAMES,
  parseBaseUrls,
  serviceUrls,
  serviceUrlTable,
} from '../../../src/rpc/client/index.js';
import {
  endpointOfRequest,
  formatConnectTimeout,
  formatGrpcTimeout,
  isIdempotentMethod,
  isRetryEligible,
  readTimeoutHeader,
  wireProtocolOf,
  writeTimeoutHeader,
} from '../../../src/rpc/interceptors/index.js';

describe('timeout headers', () => {
  test('grpc-timeout keeps at most 8 digits and rounds up', () => {
    assert.equal(formatGrpcTimeout(1500), '1500m');
    assert.equal(formatGrpcTimeout(0.2), '1m');
    assert.equal(formatGrpcTimeout(12.1), '13m');
    assert.equal(formatGrpcTimeout(99_999_999), '99999999m');
    assert.equal(formatGrpcTimeout(100_000_000), '100000S');
    assert.equal(formatGrpcTimeout(3_600_000 * 30_000), '1800000M');
    assert.equal(formatGrpcTimeout(Number.MAX_SAFE_INTEGER), '99999999H');
  });

  test('connect-timeout-ms is a positive integer of at most 10 digits', () => {
    assert.equal(formatConnectTimeout(250.4), '251');
    assert.equal(formatConnectTimeout(0), '1');
    assert.equal(formatConnectTimeout(1e12), '9999999999');
  });

  test('the header of the request protocol is rewritten and read back', () => {
    const cases = [
      ['application/proto', 'connect', 'connect-timeout-ms'],
      ['application/connect+json', 'connect', 'connect-timeout-ms'],
      ['application/grpc', 'grpc', 'grpc-timeout'],
      ['application/grpc+proto', 'grpc', 'grpc-timeout'],
      ['application/grpc-web+proto', 'grpc-web', 'grpc-timeout'],
    ] as const;
    for (const [contentType, protocol, name] of cases) {
      const header = new Headers({ 'content-type': contentType });
      assert.equal(wireProtocolOf(header), protocol);
      assert.equal(readTimeoutHeader(header), undefined);
      writeTimeoutHeader(header, 1234.5);
      assert.ok(header.has(name), `${contentType} sets ${name}`);
      assert.equal(readTimeoutHeader(header), 1235);
    }
    assert.equal(readTimeoutHeader(new Headers({ 'grpc-timeout': '2S' })), 2000);
    assert.equal(readTimeoutHeader(new Headers({ 'grpc-timeout': 'soon' })), undefined);
    assert.equal(readTimeoutHeader(new Headers({ 'connect-timeout-ms': '-1' })), undefined);
  });
});

describe('retry eligibility', () => {
  const method = (name: string) => AuthService.methods.find((m) => m.name === name)!;

  test('follows idempotency_level from the contract', () => {
    assert.equal(isIdempotentMethod(method('GetUser')), true, 'NO_SIDE_EFFECTS');
    assert.equal(isIdempotentMethod(method('DeleteUser')), true, 'IDEMPOTENT');
    assert.equal(isIdempotentMethod(method('CreateUser')), false, 'unset');
    const refund = BillingService.methods.find((m) => m.name === 'RefundPayment')!;
    assert.equal(isIdempotentMethod(refund), false);
  });

  test('a key makes a non-idempotent unary call eligible; streams never are', () => {
    const create = method('CreateUser');
    assert.equal(isRetryEligible({ stream: false, method: create, header: new Headers() }), false);
    assert.equal(isRetryEligible({ stream: false, method: create, header: new Headers({ 'idempotency-key': 'k' }) }), true);
    assert.equal(isRetryEligible({ stream: true, method: method('GetUser'), header: new Headers() }), false);
  });
});

describe('endpoints and service URLs', () => {
  test('parseBaseUrls splits, trims, normalises and dedupes', () => {
    assert.deepEqual(parseBaseUrls('http://a:1/, http://b:2 ,http://a:1'), ['http://a:1', 'http://b:2']);
    assert.deepEqual(parseBaseUrls(['http://a:1/api/', 'http://b:2']), ['http://a:1/api', 'http://b:2']);
    assert.throws(() => parseBaseUrls(' , '), TypeError);
    assert.throws(() => parseBaseUrls('localhost:3001'), TypeError);
  });

  test('endpointOfRequest strips the method path', () => {
    const getUser = AuthService.methods.find((m) => m.name === 'GetUser')!;
    const url = 'http://a:1/api/auth.v1.AuthService/GetUser';
    assert.equal(endpointOfRequest({ url, service: AuthService, method: getUser }), 'http://a:1/api');
  });

  test('service URLs come from the old environment variables, with localhost defaults', () => {
    assert.deepEqual(MESH_SERVICE_NAMES.map((n) => DEFAULT_SERVICE_URLS[n]), [
      'http://localhost:3001',
      'http://localhost:3002',
      'http://localhost:3003',
      'http://localhost:3004',
      'http://localhost:3005',
      'http://localhost:3006',
    ]);
    const env = { MARKET_SERVICE_URL: 'http://m1:80,http://m2:80', AUTH_SERVICE_URL: ' ' };
    assert.deepEqual(serviceUrls('market', env), ['http://m1:80', 'http://m2:80']);
    assert.deepEqual(serviceUrls('auth', env), ['http://localhost:3001']);
    assert.deepEqual(serviceUrlTable(env).notification, ['http://localhost:3006']);
    const tls = { ...env, MESH_TLS_CA: '/etc/mesh/ca.pem' };
    assert.deepEqual(serviceUrls('auth', tls), ['https://localhost:3001'], 'a TLS mesh defaults to https');
    assert.deepEqual(serviceUrls('market', tls), ['http://m1:80', 'http://m2:80'], 'configured URLs are kept as given');
  });
});
