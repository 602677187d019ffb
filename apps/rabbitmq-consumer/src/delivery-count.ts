import type { ConsumeMessage } from "amqplib";
import { BoundedMap } from "../../shared/bounded-map";

/** Local delivery counts kept for messages that are still being retried. */
const REMEMBERED_MESSAGES = 10_000;

/**
 * Which delivery of a message this is (1 = first), to decide when a message
 * that keeps failing is poison.
 *
 * Quorum queues count for us: their `x-delivery-count` header holds the
 * number of earlier failed deliveries. Classic queues only say "redelivered",
 * so we count locally by message id. A redelivered message we have never seen
 * (another consumer failed it) counts as at least the second delivery.
 */
export class DeliveryCounter {
  private readonly counts = new BoundedMap<string, number>(REMEMBERED_MESSAGES);

  deliveryNumber(message: ConsumeMessage, messageId: string): number {
    const brokerCount: unknown = message.properties.headers?.["x-delivery-count"];
    if (typeof brokerCount === "number") return brokerCount + 1;
    const delivery = message.fields.redelivered ? (this.counts.get(messageId) ?? 1) + 1 : 1;
    this.counts.set(messageId, delivery);
    return delivery;
  }

  /** The message is settled for good (acked or dead-lettered). */
  forget(messageId: string): void {
    this.counts.delete(messageId);
  }
}
