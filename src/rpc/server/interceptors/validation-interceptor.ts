import type { DescMessage, Message } from '@bufbuild/protobuf';
import { Code, ConnectError, type Interceptor } from '@connectrpc/connect';
import { BadRequestSchema } from '../../../../gen/mesh/v1/error_details_pb.js';
import { callNext } from '../../interceptors/call-next.js';
import { validateMessage } from '../validation/validate-message.js';

/**
 * createValidationInterceptor checks every request message against the
 * (mesh.v1.field) rules declared in its proto and rejects a bad one with
 * InvalidArgument, naming each failed field path in the message and in a
 * mesh.v1.BadRequest detail. Streamed requests are checked one by one.
 */
export function createValidationInterceptor(): Interceptor {
  return (next) => (request) => {
    const input = request.method.input;
    if (!request.stream) {
      try {
        assertValid(input, request.message);
      } catch (error) {
        return Promise.reject(error);
      }
      return callNext(next, request);
    }
    return callNext(next, { ...request, message: validateEach(input, request.message) });
  };
}

/** assertValid throws the InvalidArgument error for a message that breaks its rules. */
export function assertValid(desc: DescMessage, message: Message): void {
  const violations = validateMessage(desc, message);
  if (violations.length === 0) return;
  const summary = violations.map((v) => `${v.field}: ${v.description}`).join('; ');
  throw new ConnectError(`invalid ${desc.name}: ${summary}`, Code.InvalidArgument, undefined, [
    { desc: BadRequestSchema, value: { fieldViolations: violations.map((v) => ({ ...v })) } },
  ]);
}

async function* validateEach<T extends Message>(desc: DescMessage, messages: AsyncIterable<T>): AsyncGenerator<T> {
  for await (const message of messages) {
    assertValid(desc, message);
    yield message;
  }
}
