/** PROTOBUF_GROUP_DEPTH_LIMIT is how deeply groups may nest, as fromBinary's default recursion limit. */
export const PROTOBUF_GROUP_DEPTH_LIMIT = 100;

// Wire types of the protobuf binary format.
const VARINT = 0;
const BIT64 = 1;
const LENGTH_DELIMITED = 2;
const START_GROUP = 3;
const END_GROUP = 4;
const BIT32 = 5;

/**
 * checkProtobufWire walks the binary protobuf wire format of `bytes` without
 * building anything and returns why it is malformed, or undefined when its
 * structure is sound: every tag a uint32 varint with a field number and a
 * wire type 0–5, every varint at most 10 bytes, every length and fixed-width
 * value inside the bytes, every group closed by its own end tag. It needs no
 * schema and allocates nothing, so the bus can turn away a value that is
 * not protobuf at all (or cut short) before a handler sees the event, and
 * still decode the payload only when the handler reads it. What it cannot
 * see without the schema (invalid UTF-8 in a string field, a broken nested
 * message) fails the decode on first access.
 */
export function checkProtobufWire(bytes: Uint8Array): string | undefined {
  const end = bytes.length;
  let pos = 0;
  // The field numbers of the open groups, innermost last.
  const groups: number[] = [];
  while (pos < end) {
    // The tag: a uint32 varint of at most 5 bytes.
    let tag = 0;
    let shift = 0;
    let byte: number;
    do {
      if (pos >= end) return 'premature EOF in a tag';
      if (shift === 28 && bytes[pos]! > 0x0f) return 'illegal tag: varint overflows uint32';
      byte = bytes[pos++]!;
      tag |= (byte & 0x7f) << shift;
      shift += 7;
    } while (byte & 0x80);
    tag >>>= 0;
    const fieldNo = tag >>> 3;
    const wireType = tag & 7;
    if (fieldNo === 0 || wireType > BIT32) return `illegal tag: field no ${fieldNo} wire type ${wireType}`;
    switch (wireType) {
      case VARINT: {
        const start = pos;
        while (pos < end && bytes[pos]! & 0x80) pos++;
        if (pos >= end) return 'premature EOF in a varint';
        pos++;
        if (pos - start > 10) return 'invalid varint';
        break;
      }
      case BIT64:
        pos += 8;
        break;
      case BIT32:
        pos += 4;
        break;
      case LENGTH_DELIMITED: {
        let length = 0;
        let factor = 1;
        const start = pos;
        do {
          if (pos >= end) return 'premature EOF in a length';
          if (pos - start >= 10) return 'invalid varint';
          byte = bytes[pos++]!;
          length += (byte & 0x7f) * factor;
          factor *= 128;
        } while (byte & 0x80);
        pos += length;
        break;
      }
      case START_GROUP:
        if (groups.length >= PROTOBUF_GROUP_DEPTH_LIMIT) return 'maximum recursion depth reached';
        groups.push(fieldNo);
        break;
      case END_GROUP:
        if (groups.pop() !== fieldNo) return 'invalid end group tag';
        break;
    }
    if (pos > end) return 'premature EOF';
  }
  return groups.length === 0 ? undefined : 'premature EOF in a group';
}
