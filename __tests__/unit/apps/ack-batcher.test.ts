import type { Channel, ConsumeMessage } from "amqplib";
import { AckBatcher } from "../../../apps/rabbitmq-consumer/src/ack-batcher";

/**
 * The frames the batcher sends, by delivery tag. A recording stand-in for
 * amqplib's channel: what the broker does with them is the apps suite's
 * (__tests__/apps/rabbitmq.test.ts: poison, requeue, counts), this checks
 * the rule the broker enforces, that an ack only names an outstanding tag.
 */
function recordingChannel(): { channel: Channel; acks: [number, boolean][]; closed: { value: boolean } } {
  const acks: [number, boolean][] = [];
  const closed = { value: false };
  const channel = {
    ack(message: ConsumeMessage, allUpTo?: boolean) {
      if (closed.value) throw new Error("Channel closed");
      acks.push([message.fields.deliveryTag, allUpTo ?? false]);
    },
  } as unknown as Channel;
  return { channel, acks, closed };
}

/** A batcher on `channel` and the counts it reports as acked. */
function countingBatcher(channel: Channel, every?: number): { batcher: AckBatcher; counted: number[] } {
  const counted: number[] = [];
  return { batcher: new AckBatcher(channel, (count) => counted.push(count), every), counted };
}

const message = (tag: number) => ({ fields: { deliveryTag: tag } }) as unknown as ConsumeMessage;

test("a run processed in order is acked once, naming its last tag, when nothing is left in progress", () => {
  const { channel, acks } = recordingChannel();
  const { batcher, counted } = countingBatcher(channel);
  const deliveries = [1, 2, 3].map((tag) => batcher.delivered(message(tag)));
  batcher.processed(deliveries[0]!);
  batcher.processed(deliveries[1]!);
  expect(acks).toEqual([]);
  batcher.processed(deliveries[2]!);
  expect(acks).toEqual([[3, true]]);
  expect(counted).toEqual([3]);
});

test("every ACK_EVERY processed deliveries are acked even while later ones are in progress", () => {
  const { channel, acks } = recordingChannel();
  const { batcher, counted } = countingBatcher(channel, 2);
  const deliveries = [1, 2, 3, 4, 5].map((tag) => batcher.delivered(message(tag)));
  for (const d of deliveries.slice(0, 4)) batcher.processed(d);
  expect(acks).toEqual([
    [2, true],
    [4, true],
  ]);
  expect(counted).toEqual([2, 2]);
  expect(batcher.pending).toBe(0);
});

test("a delivery still in progress holds back the acks of those after it; none covers it", () => {
  const { channel, acks } = recordingChannel();
  const { batcher } = countingBatcher(channel);
  const [slow, second, third] = [1, 2, 3].map((tag) => batcher.delivered(message(tag)));
  batcher.processed(second!);
  batcher.processed(third!);
  expect(acks).toEqual([]);
  expect(batcher.pending).toBe(0); // not yet part of a run
  batcher.processed(slow!);
  expect(acks).toEqual([[3, true]]);
});

test("an ack never names a nacked or rejected delivery (the broker closes the channel on a tag not outstanding)", () => {
  const { channel, acks } = recordingChannel();
  const { batcher, counted } = countingBatcher(channel);
  const deliveries = [1, 2, 3].map((tag) => batcher.delivered(message(tag)));
  batcher.processed(deliveries[0]!);
  batcher.processed(deliveries[1]!);
  batcher.settled(deliveries[2]!); // nacked by the caller
  expect(acks).toEqual([[2, true]]);
  expect(counted).toEqual([2]);

  const only = batcher.delivered(message(4));
  batcher.settled(only);
  expect(acks).toEqual([[2, true]]); // nothing processed: no ack at all
});

test("on a closed channel the run is not counted as acked (the broker redelivers it)", () => {
  const { channel, acks, closed } = recordingChannel();
  const { batcher, counted } = countingBatcher(channel);
  const delivery = batcher.delivered(message(1));
  closed.value = true;
  batcher.processed(delivery);
  expect(acks).toEqual([]);
  expect(counted).toEqual([]);
});
