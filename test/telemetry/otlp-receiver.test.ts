import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startOtlpReceiver, type OtlpReceiver } from './otlp-receiver.js';

let receiver: OtlpReceiver;
before(async () => {
  receiver = await startOtlpReceiver();
});
after(() => receiver.close());

test('the receiver decodes OTLP/JSON traces (hex ids, string int64s) as it does protobuf', async () => {
  const traceId = '5b8efff798038103d269b633813fc60c';
  const body = {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'json-sender' } }] },
        scopeSpans: [
          {
            scope: { name: 'manual' },
            spans: [
              {
                traceId,
                spanId: 'eee19b7ec3c1b174',
                parentSpanId: 'eee19b7ec3c1b173',
                name: 'GET /users',
                kind: 2,
                startTimeUnixNano: '1544712660000000000',
                endTimeUnixNano: '1544712661000000000',
                attributes: [{ key: 'http.status', value: { intValue: '200' } }],
                events: [{ name: 'retry', timeUnixNano: '1544712660500000000', attributes: [{ key: 'attempt', value: { intValue: 2 } }] }],
                status: { code: 2, message: 'boom' },
              },
            ],
          },
        ],
      },
    ],
  };
  const response = await fetch(`${receiver.url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(response.status, 200);
  const [span] = receiver.spans;
  assert.deepEqual(span, {
    serviceName: 'json-sender',
    scope: 'manual',
    traceId,
    spanId: 'eee19b7ec3c1b174',
    parentSpanId: 'eee19b7ec3c1b173',
    name: 'GET /users',
    kind: 2,
    attributes: { 'http.status': 200 },
    events: [{ name: 'retry', attributes: { attempt: 2 } }],
    links: [],
    status: { code: 2, message: 'boom' },
  });
});

test('the receiver refuses what is not OTLP', async () => {
  const wrongPath = await fetch(`${receiver.url}/v1/other`, { method: 'POST', body: 'x' });
  assert.equal(wrongPath.status, 404);
  const garbage = await fetch(`${receiver.url}/v1/metrics`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf' },
    body: new Uint8Array([0x0a, 0xff, 0xff, 0xff]),
  });
  assert.equal(garbage.status, 400);
});
