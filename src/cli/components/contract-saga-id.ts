import { createHash } from 'node:crypto';

/**
 * contractSagaId derives the contract saga's id from the accepted bid (a
 * name-based UUID, version 5 layout over SHA-1), so starting it twice for
 * one bid finds the first saga instead of creating a second contract.
 */
export function contractSagaId(bidId: string): string {
  const hex = createHash('sha1').update(`create-contract:${bidId}`).digest('hex');
  const variant = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
