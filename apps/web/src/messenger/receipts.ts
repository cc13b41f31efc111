// Delivery and read states, end to end encrypted: a receipt is an ordinary MLS application
// message whose content type marks it, so the server cannot tell receipts from messages and never
// learns who read what, or when. "Sent" is the server's franked acceptance; "delivered" and "read"
// come from the other members' devices.
import type { StoredMessage } from '@safelight/client';

export const RECEIPT_CONTENT_TYPE = 'application/vnd.safelight.receipt+json';
export type ReceiptKind = 'delivered' | 'read';
export type DeliveryState = 'sent' | 'delivered' | 'read';

/** Most message ids one receipt carries (keeps it far under the content limit). */
const MAX_IDS = 200;

export function isReceipt(message: StoredMessage): boolean {
  return message.contentType === RECEIPT_CONTENT_TYPE;
}

export function receiptText(kind: ReceiptKind, messageIds: readonly string[]): string {
  return JSON.stringify({ kind, ids: messageIds.slice(0, MAX_IDS) });
}

/** The receipt's kind and ids, or undefined for anything malformed (a peer's bug is not a crash). */
export function parseReceipt(message: StoredMessage): { kind: ReceiptKind; ids: string[] } | undefined {
  if (!isReceipt(message)) return undefined;
  try {
    const parsed = JSON.parse(message.text) as { kind?: unknown; ids?: unknown };
    if (parsed.kind !== 'delivered' && parsed.kind !== 'read') return undefined;
    if (!Array.isArray(parsed.ids)) return undefined;
    const ids = parsed.ids.filter((id): id is string => typeof id === 'string').slice(0, MAX_IDS);
    return { kind: parsed.kind, ids };
  } catch {
    return undefined;
  }
}

/**
 * For each of my messages, how far it got: read by everyone else, delivered to everyone else, or
 * only sent. `others` is how many other accounts are in the conversation.
 */
export function deliveryStates(
  history: readonly StoredMessage[],
  me: string,
  others: number,
): Map<string, DeliveryState> {
  const readBy = new Map<string, Set<string>>();
  const deliveredTo = new Map<string, Set<string>>();
  for (const message of history) {
    if (message.direction !== 'in') continue;
    const receipt = parseReceipt(message);
    if (!receipt) continue;
    for (const id of receipt.ids) {
      const into = receipt.kind === 'read' ? readBy : deliveredTo;
      const set = into.get(id) ?? new Set<string>();
      set.add(message.senderAccountId);
      into.set(id, set);
      // A read message was delivered too.
      if (receipt.kind === 'read') {
        const delivered = deliveredTo.get(id) ?? new Set<string>();
        delivered.add(message.senderAccountId);
        deliveredTo.set(id, delivered);
      }
    }
  }
  const states = new Map<string, DeliveryState>();
  const everyone = Math.max(1, others);
  for (const message of history) {
    if (message.direction !== 'out' || message.senderAccountId !== me || isReceipt(message)) continue;
    const id = message.messageId;
    states.set(
      id,
      (readBy.get(id)?.size ?? 0) >= everyone
        ? 'read'
        : (deliveredTo.get(id)?.size ?? 0) >= everyone
          ? 'delivered'
          : 'sent',
    );
  }
  return states;
}
