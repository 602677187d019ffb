/**
 * kafka-producer: writes PRODUCER_COUNT (0 = endless) JSON messages at
 * PRODUCER_RATE to KAFKA_TOPIC with an idempotent, acks=all producer
 * (@platformatic/kafka).
 * Settings and log events: apps/README.md.
 */
import { ConnectionEnv } from "../../../constructs/connection-env";
import { readCommonConfig, readKafkaBrokers, readKafkaSecurity, readProducerConfig } from "../../shared/app-config";
import { requiredString } from "../../shared/config";
import { kafkaAccessRefusal, platformaticClientOptions } from "../../shared/kafka-client";
import { runProducerLoop } from "../../shared/producer-loop";
import { runApp } from "../../shared/run-app";
import { KafkaPublisher } from "./kafka-publisher";

const APP = "kafka-producer";

function readConfig(env: NodeJS.ProcessEnv) {
  return {
    common: readCommonConfig(env),
    producer: readProducerConfig(env),
    brokers: readKafkaBrokers(env),
    security: readKafkaSecurity(env),
    topic: requiredString(env, ConnectionEnv.KAFKA_TOPIC),
  };
}

runApp(APP, readConfig, (config, context) => {
  const client = platformaticClientOptions(APP, config.brokers, config.security);
  return runProducerLoop(
    {
      app: APP,
      ...config,
      what: `produce to Kafka topic "${config.topic}"`,
      describe: {
        brokers: config.brokers,
        saslUsername: config.security.sasl?.username ?? null,
        tlsCaFile: config.security.tlsCa?.file ?? null,
        topic: config.topic,
      },
      classify: kafkaAccessRefusal,
      openSession: (latency) => KafkaPublisher.open({ client, topic: config.topic, latency }),
    },
    context,
  );
});
