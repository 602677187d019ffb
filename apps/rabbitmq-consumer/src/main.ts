/**
 * rabbitmq-consumer: consumes RABBITMQ_QUEUE with manual acks and
 * dead-letters poison messages. Settings and log events: apps/README.md.
 */
import { AppEnv, ConnectionEnv } from "../../../constructs/connection-env";
import { readCommonConfig, readConsumerConfig, readRabbitTlsCa, readRabbitUrls, redactUrl } from "../../shared/app-config";
import { requiredString, setting } from "../../shared/config";
import { runConsumerLoop } from "../../shared/consumer-loop";
import { RabbitConnection, rabbitAccessRefusal } from "../../shared/rabbitmq-connection";
import { RabbitNodes } from "../../shared/rabbitmq-nodes";
import { runApp } from "../../shared/run-app";
import { DeliveryCounter } from "./delivery-count";
import { RabbitConsumerSession } from "./consumer-session";

const APP = "rabbitmq-consumer";

function readConfig(env: NodeJS.ProcessEnv) {
  const urls = readRabbitUrls(env);
  return {
    common: readCommonConfig(env),
    consumer: readConsumerConfig(env),
    urls,
    tlsCa: readRabbitTlsCa(env, urls),
    queue: requiredString(env, ConnectionEnv.RABBITMQ_QUEUE),
    prefetch: setting(env, AppEnv.CONSUMER_PREFETCH),
  };
}

runApp(APP, readConfig, (config, context) => {
  // Outlives sessions: a message failed before a reconnect keeps its count.
  const deliveries = new DeliveryCounter();
  // Outlives sessions too: a lost session's successor starts on the next node.
  const nodes = new RabbitNodes(config.urls);
  return runConsumerLoop(
    {
      common: config.common,
      what: `consume from RabbitMQ queue "${config.queue}"`,
      describe: {
        urls: config.urls.map(redactUrl),
        tlsCaFile: config.tlsCa?.file ?? null,
        queue: config.queue,
        prefetch: config.prefetch,
        maxDeliveries: config.consumer.maxDeliveries,
      },
      classify: rabbitAccessRefusal,
      openSession: (tally) =>
        nodes.open(
          (node) => RabbitConnection.open(node.url, APP, context.log, config.tlsCa?.certificates),
          (node, connection) => RabbitConsumerSession.open({ ...config, node, app: APP, tally, deliveries, log: context.log }, connection),
        ),
    },
    context,
  );
});
