/**
 * rabbitmq-producer: publishes PRODUCER_COUNT (0 = endless) persistent JSON
 * messages at PRODUCER_RATE with publisher confirms. Settings and log events:
 * apps/README.md.
 */
import { ConnectionEnv } from "../../../constructs/connection-env";
import { readCommonConfig, readProducerConfig, readRabbitTlsCa, readRabbitUrls, redactUrl } from "../../shared/app-config";
import { optionalString, requiredString } from "../../shared/config";
import { runProducerLoop } from "../../shared/producer-loop";
import { RabbitConnection, rabbitAccessRefusal } from "../../shared/rabbitmq-connection";
import { RabbitNodes } from "../../shared/rabbitmq-nodes";
import { runApp } from "../../shared/run-app";
import { CONFIRM_DEADLINE_MAX_MS, CONFIRM_DEADLINE_MS, ConfirmDeadline } from "./confirm-deadline";
import { RabbitPublisherSession } from "./publisher-session";

const APP = "rabbitmq-producer";

function readConfig(env: NodeJS.ProcessEnv) {
  const urls = readRabbitUrls(env);
  return {
    common: readCommonConfig(env),
    producer: readProducerConfig(env),
    urls,
    tlsCa: readRabbitTlsCa(env, urls),
    exchange: optionalString(env, ConnectionEnv.RABBITMQ_EXCHANGE, ""),
    routingKey: requiredString(env, ConnectionEnv.RABBITMQ_ROUTING_KEY),
  };
}

runApp(APP, readConfig, (config, context) => {
  // Outlives sessions: a lost session's successor starts on the next node.
  const nodes = new RabbitNodes(config.urls);
  const deadline = new ConfirmDeadline(CONFIRM_DEADLINE_MS, CONFIRM_DEADLINE_MAX_MS);
  return runProducerLoop(
    {
      app: APP,
      ...config,
      what: `publish to RabbitMQ ${config.exchange === "" ? "(default exchange)" : `exchange "${config.exchange}"`} with routing key "${config.routingKey}"`,
      describe: {
        urls: config.urls.map(redactUrl),
        tlsCaFile: config.tlsCa?.file ?? null,
        exchange: config.exchange,
        routingKey: config.routingKey,
      },
      classify: rabbitAccessRefusal,
      openSession: (latency) =>
        nodes.open(
          (node) => RabbitConnection.open(node.url, APP, context.log, config.tlsCa?.certificates),
          (node, connection) => RabbitPublisherSession.open({ ...config, node, app: APP, latency, log: context.log, deadline }, connection),
        ),
    },
    context,
  );
});
