import type { ConsumeMessage } from "amqplib";
import { BoundedMap } from "../../shared/bounded-map";
import type { Envelope } from "../../shared/envelope";

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

  deliveryNumber(message: ConsumeMessage, envelope: Pick<Envelope, "id">): number {
    const brokerCount: unknown = message.properties.headers?.["x-delivery-count"];
    if (typeof brokerCount === "number") return brokerCount + 1;
    // A first delivery is 1 without being remembered: no map work (or id
    // decoded) for the usual message; its redelivery counts from there.
    if (!message.fields.redelivered) return 1;
    const delivery = (this.counts.get(envelope.id) ?? 1) + 1;
    this.counts.set(envelope.id, delivery);
    return delivery;
  }

  /** The message is settled for good (acked or dead-lettered). */
  forget(message: ConsumeMessage, envelope: Pick<Envelope, "id">): void {
    if (message.fields.redelivered) this.counts.delete(envelope.id);
  }
}
