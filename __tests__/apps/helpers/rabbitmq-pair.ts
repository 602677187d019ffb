import * as amqp from "amqplib";
import { startRabbitMq, TestRabbitMq } from "../../support/brokers";

/**
 * Two independent RabbitMQ containers (not a cluster), for the failover
 * tests of the RabbitMQ apps: started at once (each takes ~10 s to open its
 * listener; a failure still removes the other), with `queue` declared on
 * each, as a cluster would have it everywhere (the topology is the broker
 * construct's job, not the apps').
 */
export async function startRabbitPair(queue: string): Promise<[TestRabbitMq, TestRabbitMq]> {
  const started = await Promise.allSettled([startRabbitMq(), startRabbitMq()]);
  const failed = started.find((result): result is PromiseRejectedResult => result.status === "rejected");
  if (failed) {
    for (const result of started) if (result.status === "fulfilled") result.value.remove();
    throw failed.reason;
  }
  const [first, second] = started.map((result) => (result as PromiseFulfilledResult<TestRabbitMq>).value);
  for (const broker of [first, second]) await declareQueue(broker.url, queue);
  return [first, second];
}

/** A durable classic queue on the broker at `url`. */
export async function declareQueue(url: string, name: string): Promise<void> {
  const connection = await amqp.connect(url);
  try {
    const channel = await connection.createChannel();
    await channel.assertQueue(name, { durable: true });
  } finally {
    await connection.close();
  }
}
