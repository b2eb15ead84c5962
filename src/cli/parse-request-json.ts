import { fromJson, type DescMessage, type JsonValue, type MessageShape } from '@bufbuild/protobuf';
import { CliError } from './cli-error.js';

/**
 * parseRequestJson turns the command line's JSON into a request message with
 * the proto3 JSON mapping; text that is not JSON, or JSON that does not fit
 * the message, is a CliError BAD_JSON naming the problem.
 */
export function parseRequestJson<Desc extends DescMessage>(schema: Desc, text: string): MessageShape<Desc> {
  let json: JsonValue;
  try {
    json = JSON.parse(text) as JsonValue;
  } catch (error) {
    throw new CliError('BAD_JSON', `the request is not valid JSON (${(error as Error).message}); quote it for the shell, e.g. '{"userId":"u-1"}'`, { cause: error });
  }
  try {
    return fromJson(schema, json);
  } catch (error) {
    throw new CliError('BAD_JSON', `the request does not fit ${schema.typeName}: ${(error as Error).message}`, { cause: error });
  }
}
