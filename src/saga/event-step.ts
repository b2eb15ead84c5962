import type { DescMessage, MessageShape } from '@bufbuild/protobuf';
import type { ConsumedEvent } from '../events/index.js';
import type { SagaStep, StepContext, StepRetryPolicy } from './saga-definition.js';
import { protobufCodec } from './saga-codec.js';
import type { SagaEventWaiter } from './saga-event-waiter.js';

/** EventStepOptions describe a step that awaits a domain event matching a correlation. */
export interface EventStepOptions<I, R, Name extends string, Desc extends DescMessage> {
  name: Name;
  events: SagaEventWaiter;
  /** type of the awaited event, e.g. EscrowFundedSchema. */
  type: Desc;
  /** match says whether an event belongs to this saga, e.g. `event.escrowId === ctx.results.createEscrow.escrowId`. */
  match(ctx: StepContext<I, R>, payload: MessageShape<Desc>, event: ConsumedEvent<Desc>): boolean;
  /** timeout bounds the wait, in ms; past it the step fails with STEP_TIMEOUT. @defaultValue DEFAULT_STEP_TIMEOUT_MS */
  timeout?: number;
  compensate?: SagaStep<I, R, Name, MessageShape<Desc>>['compensate'];
  /** retry of the wait; a timed-out wait tried again keeps looking from the saga's start. @defaultValue one attempt */
  retry?: StepRetryPolicy;
}

/**
 * eventStep builds a step that waits for a domain event matching the saga
 * (consumed through the event bus by a SagaEventWaiter) and returns its
 * payload, stored with the event's protobuf codec. Events are matched from
 * the saga's start on, so a step resumed after a restart finds an event
 * published while no coordinator was running.
 */
export function eventStep<I, R, const Name extends string, Desc extends DescMessage>(options: EventStepOptions<I, R, Name, Desc>): SagaStep<I, R, Name, MessageShape<Desc>> {
  return {
    name: options.name,
    retry: options.retry ?? { maxAttempts: 1 },
    codec: protobufCodec(options.type),
    // Waiting has no effect to learn: a timed-out wait is a plain failure.
    outcomeUnknown: () => false,
    ...(options.timeout === undefined ? {} : { timeout: options.timeout }),
    ...(options.compensate ? { compensate: options.compensate } : {}),
    async execute(ctx) {
      const event = await options.events.waitFor({
        type: options.type,
        match: (payload, consumed) => options.match(ctx, payload, consumed),
        since: ctx.startedAt,
        signal: ctx.signal,
      });
      return event.payload;
    },
  };
}
