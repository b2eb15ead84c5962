// Hostile records written straight into a channel topic, between valid
// events, while a bus subscription runs: each lands in `<topic>.dlq` with its
// reason, every valid event is handled once, and the consumer keeps running.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { create, toBinary } from '@bufbuild/protobuf';
import type { KafkaMessage } from 'kafkajs';
import { UserCreatedSchema } from '../../gen/auth/v1/auth_events_pb.js';
import {
  DEAD_LETTER_RECORD_OVERHEAD_BYTES,
  DeadLetterHeaders,
  deadLetterTopic,
  defaultEventRegistry,
  encodeEvent,
  EventChannels,
  EventContentTypes,
  type EventBus,
} from '../../src/events/index.js';
import { BROKER_DEFAULT_MAX_MESSAGE_BYTES, createMeshProducer, type OutgoingRecord } from '../../src/kafka/index.js';
import { header, readTopic, testBus, waitFor } from '../events/event-test-support.js';
import { testKafka, uniqueName } from '../support/kafka.js';
import { recordReliability } from '../support/reliability-report.js';

const COMMAND = 'npm test -- test/hostile/kafka-hostile-input';
/** MAX_EVENT_BYTES is the bus's maxEventBytes in this test, small so "oversized" stays cheap. */
const MAX_EVENT_BYTES = 64 * 1024;
/** TOPIC_MAX_MESSAGE_BYTES lets the channel topic take records larger than its dead-letter topic (broker default) can. */
const TOPIC_MAX_MESSAGE_BYTES = 3 * 1024 * 1024;
const VALID_EVENTS = 300;
const AGGREGATES = 12;
/** HOSTILE_ID marks each hostile record, so its dead letter can be matched to it. */
const HOSTILE_ID = 'x-hostile-id';

const ce = (overrides: Record<string, string | undefined> = {}): Record<string, string> => {
  const headers: Record<string, string | undefined> = {
    ce_specversion: '1.0',
    ce_id: uniqueName('evt'),
    ce_type: 'auth.v1.UserCreated',
    ce_source: '/hostile',
    'content-type': 'application/protobuf',
    ...overrides,
  };
  return Object.fromEntries(Object.entries(headers).filter((entry): entry is [string, string] => entry[1] !== undefined));
};
const userBytes = Buffer.from(toBinary(UserCreatedSchema, create(UserCreatedSchema, { userId: 'hostile', email: 'h@example.com' })));

interface Hostile {
  name: string;
  reason: string;
  headers: Record<string, string | Buffer>;
  value: Buffer | null;
  copies: number;
  /** truncated: the dead-letter copy cannot hold the whole value. */
  truncated?: boolean;
}

const HOSTILE: Hostile[] = [
  { name: 'undecodable protobuf payload', reason: 'DECODE_FAILED', headers: ce(), value: Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]), copies: 3 },
  { name: 'undecodable JSON payload', reason: 'DECODE_FAILED', headers: ce({ 'content-type': 'application/json' }), value: Buffer.from('{"userId":'), copies: 3 },
  { name: 'JSON event without a value', reason: 'DECODE_FAILED', headers: ce({ 'content-type': 'application/json' }), value: null, copies: 2 },
  { name: 'missing ce_type', reason: 'MISSING_HEADER', headers: ce({ ce_type: undefined }), value: userBytes, copies: 3 },
  { name: 'missing ce_specversion', reason: 'MISSING_HEADER', headers: ce({ ce_specversion: undefined }), value: userBytes, copies: 2 },
  { name: 'missing ce_id', reason: 'MISSING_HEADER', headers: ce({ ce_id: undefined }), value: userBytes, copies: 2 },
  { name: 'no headers at all', reason: 'MISSING_HEADER', headers: {}, value: userBytes, copies: 2 },
  { name: 'wrong ce_specversion', reason: 'UNSUPPORTED_SPEC_VERSION', headers: ce({ ce_specversion: '0.3' }), value: userBytes, copies: 3 },
  { name: 'unknown event type', reason: 'UNKNOWN_TYPE', headers: ce({ ce_type: 'auth.v1.NoSuchEvent' }), value: userBytes, copies: 3 },
  { name: 'a resource type, not an event', reason: 'UNKNOWN_TYPE', headers: ce({ ce_type: 'auth.v1.User' }), value: userBytes, copies: 2 },
  { name: 'ce_type that is not UTF-8', reason: 'UNKNOWN_TYPE', headers: { ...ce(), ce_type: Buffer.from([0xc3, 0x28, 0xff]) }, value: userBytes, copies: 2 },
  { name: 'wrong content-type', reason: 'UNSUPPORTED_CONTENT_TYPE', headers: ce({ 'content-type': 'text/xml' }), value: userBytes, copies: 3 },
  { name: 'structured-mode CloudEvent', reason: 'UNSUPPORTED_CONTENT_TYPE', headers: ce({ 'content-type': 'application/cloudevents+json' }), value: Buffer.from('{"specversion":"1.0"}'), copies: 2 },
  { name: 'ce_time that is not a time', reason: 'DECODE_FAILED', headers: ce({ ce_time: 'yesterday' }), value: userBytes, copies: 2 },
  { name: 'oversized record (over maxEventBytes)', reason: 'EVENT_TOO_LARGE', headers: ce(), value: Buffer.alloc(MAX_EVENT_BYTES + 1, 0x61), copies: 2 },
  {
    name: 'oversized record (over the dead-letter topic limit too)',
    reason: 'EVENT_TOO_LARGE',
    headers: ce(),
    value: Buffer.alloc(2 * 1024 * 1024, 0x62),
    copies: 1,
    truncated: true,
  },
];

describe('hostile records on a channel topic', () => {
  const kafka = testKafka();
  const buses: EventBus[] = [];
  after(async () => {
    await Promise.all(buses.map((bus) => bus.close()));
  });

  test('each goes to the DLQ with its reason while every valid event around it is handled once, and the consumer keeps running', async () => {
    const bus = testBus({
      kafka,
      source: 'hostile',
      maxEventBytes: MAX_EVENT_BYTES,
      retry: { attempts: 1 },
      channels: [{ channel: EventChannels.USERS, partitions: 3, configs: { 'max.message.bytes': String(TOPIC_MAX_MESSAGE_BYTES) } }],
    });
    buses.push(bus);
    await bus.provisionChannels([EventChannels.USERS]);
    const topic = bus.topicOf(EventChannels.USERS);

    const handled = new Map<string, number>();
    let crashes = 0;
    // Registered after the first join: any join counted here is a rebalance.
    let rejoins = 0;
    const subscription = await bus.subscribe(
      EventChannels.USERS,
      async (event) => {
        handled.set(event.id, (handled.get(event.id) ?? 0) + 1);
      },
      { group: uniqueName('g'), fromBeginning: true, concurrency: 3 },
    );
    subscription.runner.onCrash(() => crashes++);
    subscription.runner.onGroupJoin(() => rejoins++);

    // One ordered stream of records: hostile ones sit between valid ones on every partition.
    const validIds: string[] = [];
    const hostileIds = new Map<string, Hostile>();
    const records: OutgoingRecord[] = [];
    const hostileQueue = HOSTILE.flatMap((hostile) => Array.from({ length: hostile.copies }, () => hostile));
    const every = Math.floor(VALID_EVENTS / hostileQueue.length);
    for (let i = 0; i < VALID_EVENTS; i++) {
      const key = `agg-${i % AGGREGATES}`;
      const id = uniqueName('valid');
      validIds.push(id);
      const payload = create(UserCreatedSchema, { userId: `u-${i}`, email: `u${i}@example.com` });
      const contentType = i % 5 === 0 ? EventContentTypes.JSON : EventContentTypes.PROTOBUF;
      const encoded = encodeEvent(UserCreatedSchema, payload, { id, source: '/hostile', time: new Date(), subject: key, contentType }, defaultEventRegistry);
      records.push({ topic, key, value: encoded.value, headers: encoded.headers });
      if (i % every === every - 1 && hostileQueue.length > 0) {
        const hostile = hostileQueue.shift()!;
        const hostileId = uniqueName('hostile');
        hostileIds.set(hostileId, hostile);
        records.push({ topic, key, value: hostile.value, headers: { ...hostile.headers, [HOSTILE_ID]: hostileId } });
      }
    }
    assert.equal(hostileQueue.length, 0, 'every hostile record is in the stream');
    const producer = createMeshProducer(kafka);
    const started = Date.now();
    try {
      // One by one, so a multi-megabyte record never shares a request.
      for (const record of records) await producer.send([record]);
    } finally {
      await producer.close();
    }

    await waitFor('every valid event handled', () => validIds.every((id) => handled.has(id)), 60_000);
    const dead = await readTopic(kafka, deadLetterTopic(topic), hostileIds.size, 60_000);
    const elapsedMs = Date.now() - started;

    // The consumer is still running: one more event is handled after all of it.
    const lastId = uniqueName('last');
    const last = encodeEvent(UserCreatedSchema, create(UserCreatedSchema, { userId: 'last' }), { id: lastId, source: '/hostile', time: new Date(), subject: 'agg-0', contentType: EventContentTypes.PROTOBUF }, defaultEventRegistry);
    const tail = createMeshProducer(kafka);
    await tail.send([{ topic, key: last.key, value: last.value, headers: last.headers }]).finally(() => tail.close());
    await waitFor('the event after the hostile ones', () => handled.has(lastId));
    await subscription();

    assert.equal(dead.length, hostileIds.size, 'one dead letter per hostile record, nothing else');
    const seen = new Set<string>();
    for (const record of dead) {
      const hostileId = header(record, HOSTILE_ID);
      const hostile = hostileId === undefined ? undefined : hostileIds.get(hostileId);
      assert.ok(hostile, `the dead letter ${hostileId} is one of the hostile records`);
      seen.add(hostileId!);
      assert.equal(header(record, DeadLetterHeaders.ERROR_CODE), hostile.reason, `${hostile.name}: reason`);
      assert.ok((header(record, DeadLetterHeaders.ERROR_MESSAGE) ?? '').length > 0, `${hostile.name}: a message`);
      assert.equal(header(record, DeadLetterHeaders.ORIGIN_TOPIC), topic);
      assert.equal(header(record, DeadLetterHeaders.ATTEMPTS), '0', `${hostile.name}: never handed to the handler`);
      assertValueKept(record, hostile);
    }
    assert.equal(seen.size, hostileIds.size, 'every hostile record has its own dead letter');

    const lost = validIds.filter((id) => !handled.has(id)).length;
    const duplicates = [...handled.values()].filter((count) => count > 1).length;
    assert.equal(lost, 0, 'no valid event was lost');
    assert.equal(duplicates, 0, 'no valid event was handled twice');
    assert.equal(handled.size, VALID_EVENTS + 1, 'nothing but the valid events reached the handler');
    assert.equal(crashes, 0, 'the consumer never crashed');
    assert.equal(rejoins, 0, 'the consumer never had to rejoin its group');

    recordReliability({
      area: 'hostile input (Kafka)',
      faultOrInput: `${hostileIds.size} hostile records of ${HOSTILE.length} kinds (undecodable, missing/wrong ce_* headers, unknown types, wrong content-type, oversized up to 2 MiB) between valid events`,
      load: `${VALID_EVENTS} valid events on ${AGGREGATES} keys over 3 partitions, handled in ${elapsedMs} ms`,
      lost,
      duplicates,
      command: COMMAND,
      notes: 'each hostile record dead-lettered with its reason code; a 2 MiB record is kept truncated in a DLQ limited to 1 MiB',
    });
  });
});

function assertValueKept(record: KafkaMessage, hostile: Hostile): void {
  const original = header(record, DeadLetterHeaders.ORIGINAL_VALUE_BYTES);
  if (!hostile.truncated) {
    assert.equal(original, undefined, `${hostile.name}: not truncated`);
    assert.deepEqual(record.value, hostile.value, `${hostile.name}: the value is kept byte for byte`);
    return;
  }
  assert.equal(original, String(hostile.value!.length), `${hostile.name}: the original size is named`);
  const kept = record.value!;
  assert.ok(kept.length > 0 && kept.length < hostile.value!.length, `${hostile.name}: a truncated value (${kept.length} bytes)`);
  assert.ok(kept.length <= BROKER_DEFAULT_MAX_MESSAGE_BYTES - DEAD_LETTER_RECORD_OVERHEAD_BYTES, 'within the dead-letter topic limit');
  assert.deepEqual(kept, hostile.value!.subarray(0, kept.length), `${hostile.name}: the kept bytes are the value's first bytes`);
}
