import type { Channel, ConsumeMessage } from "amqplib";
import { ConsumerSession } from "../../shared/consumer-loop";
import { ConsumerTally } from "../../shared/consumer-tally";
import { Envelope, parseEnvelope } from "../../shared/envelope";
import { describeError, Logger } from "../../shared/logger";
import { processMessage } from "../../shared/processing";
import { AccessRefusal } from "../../shared/access-refused";
import { ConsumerConfig } from "../../shared/app-config";
import { RabbitConnection } from "../../shared/rabbitmq-connection";
import { RabbitNode } from "../../shared/rabbitmq-nodes";
import { waitUntil } from "../../shared/shutdown";
import { AckBatcher, Delivery } from "./ack-batcher";
import { DeliveryCounter } from "./delivery-count";

export interface RabbitConsumerSessionOptions {
  readonly app: string;
  /** The node the session's connection is to (RabbitNodes picks it), for logs. */
  readonly node: RabbitNode;
  readonly queue: string;
  readonly prefetch: number;
  readonly consumer: ConsumerConfig;
  readonly tally: ConsumerTally;
  readonly deliveries: DeliveryCounter;
  readonly log: Logger;
}

/**
 * One connection's worth of consuming: manual acks after processing (in runs, ack-batcher.ts), at most
 * `prefetch` unacknowledged messages, failed messages requeued until they hit
 * CONSUMER_MAX_DELIVERIES and are then rejected without requeue, so that the
 * queue's dead-letter exchange takes them.
 */
export class RabbitConsumerSession implements ConsumerSession {
  private inFlight = 0;
  private consumerTag = "";
  private readonly acks: AckBatcher;

  private constructor(
    private readonly connection: RabbitConnection,
    private readonly channel: Channel,
    private readonly options: RabbitConsumerSessionOptions,
  ) {
    this.acks = new AckBatcher(channel, (count) => options.tally.acked(count));
  }

  /** On `connection` (closed if this fails): checks the queue exists and starts consuming. */
  static async open(options: RabbitConsumerSessionOptions, connection: RabbitConnection): Promise<RabbitConsumerSession> {
    try {
      const channel = connection.watch(await connection.model.createChannel());
      // The topology belongs to the broker construct: never declare, only
      // check, so a typo in the queue name fails loudly instead of
      // consuming from a fresh empty queue that nobody publishes to.
      await channel.checkQueue(options.queue);
      await channel.prefetch(options.prefetch);
      const session = new RabbitConsumerSession(connection, channel, options);
      const { consumerTag } = await channel.consume(options.queue, (message) => session.onDelivery(message), {
        noAck: false,
      });
      session.consumerTag = consumerTag;
      return session;
    } catch (err) {
      await connection.close();
      throw err;
    }
  }

  /** Resolves with a reason when the connection or channel is gone. */
  get lost(): Promise<string> {
    return this.connection.lost;
  }

  get messagesInFlight(): number {
    return this.inFlight;
  }

  get lostByRefusal(): AccessRefusal | undefined {
    return this.connection.lostByRefusal;
  }

  get logFields(): Record<string, unknown> {
    return { node: this.options.node.address };
  }

  /**
   * Graceful end: stop deliveries, let every message already delivered finish
   * and be acked (bounded by `timeoutMs`), then close. Anything still unacked
   * when the connection closes goes back to the queue for another consumer.
   * Returns how many were still in flight at the deadline.
   */
  async drain(timeoutMs: number): Promise<number> {
    await this.channel.cancel(this.consumerTag).catch(() => undefined);
    await waitUntil(() => this.inFlight === 0, timeoutMs);
    const abandoned = this.inFlight;
    await this.channel.close().catch(() => undefined);
    await this.connection.close();
    return abandoned;
  }

  /** Closes without draining (the connection is already lost). */
  async abandon(): Promise<void> {
    await this.connection.close();
  }

  private onDelivery(message: ConsumeMessage | null): void {
    if (message === null) {
      // The broker cancelled us (queue deleted): end the session; the
      // reconnect's checkQueue reports why.
      void this.connection.close();
      return;
    }
    this.inFlight++;
    this.handle(message, this.acks.delivered(message)).finally(() => this.inFlight--);
  }

  private async handle(message: ConsumeMessage, settlement: Delivery): Promise<void> {
    const { tally, deliveries, consumer, log } = this.options;
    tally.received(message.fields.redelivered);

    let envelope: Envelope;
    try {
      envelope = parseEnvelope(message.content);
    } catch (err) {
      // Retrying cannot fix a body we cannot read: dead-letter at once.
      this.settle(() => this.channel.reject(message, false));
      this.acks.settled(settlement);
      tally.deadLettered();
      log.warn("dead-lettered", { messageId: message.properties.messageId, reason: describeError(err) });
      return;
    }

    const delivery = deliveries.deliveryNumber(message, envelope);
    try {
      await processMessage(envelope, consumer);
    } catch (err) {
      if (delivery >= consumer.maxDeliveries) {
        this.settle(() => this.channel.reject(message, false));
        this.acks.settled(settlement);
        deliveries.forget(message, envelope);
        tally.deadLettered();
        log.warn("dead-lettered", {
          id: envelope.id,
          seq: envelope.seq,
          deliveries: delivery,
          reason: describeError(err),
        });
      } else {
        this.settle(() => this.channel.nack(message, false, true));
        this.acks.settled(settlement);
        log.debug("requeued", { id: envelope.id, seq: envelope.seq, delivery, reason: describeError(err) });
      }
      return;
    }

    deliveries.forget(message, envelope);
    tally.processed(envelope, { delivery });
    this.acks.processed(settlement);
  }

  /**
   * Runs an ack/nack/reject. On a channel that has closed meanwhile it throws;
   * the broker then redelivers the message to whoever consumes next, which is
   * what at-least-once means, so this is not an error worth more than a flag.
   */
  private settle(operation: () => void): boolean {
    try {
      operation();
      return true;
    } catch {
      return false;
    }
  }
}
