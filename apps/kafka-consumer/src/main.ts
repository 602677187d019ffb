/**
 * kafka-consumer: consumes KAFKA_TOPIC in group KAFKA_GROUP_ID, committing
 * offsets only after processing. Settings and log events: apps/README.md.
 */
import { ConnectionEnv } from "../../../constructs/connection-env";
import { readCommonConfig, readConsumerConfig, readKafkaBrokers, readKafkaSecurity } from "../../shared/app-config";
import { requiredString } from "../../shared/config";
import { runConsumerLoop } from "../../shared/consumer-loop";
import { createKafkaClient, kafkaAccessRefusal } from "../../shared/kafka-client";
import { runApp } from "../../shared/run-app";
import { consumerLagGauge } from "../../shared/metrics";
import { ConsumerLag } from "./consumer-lag";
import { KafkaConsumerSession } from "./kafka-consumer-session";

const APP = "kafka-consumer";

function readConfig(env: NodeJS.ProcessEnv) {
  return {
    common: readCommonConfig(env),
    consumer: readConsumerConfig(env),
    brokers: readKafkaBrokers(env),
    security: readKafkaSecurity(env),
    topic: requiredString(env, ConnectionEnv.KAFKA_TOPIC),
    groupId: requiredString(env, ConnectionEnv.KAFKA_GROUP_ID),
  };
}

runApp(APP, readConfig, (config, context) => {
  const kafka = createKafkaClient(APP, config.brokers, config.security, context.log);
  // Outlives sessions, like the metric it sets.
  const lag = new ConsumerLag(consumerLagGauge(context.metrics), config.topic);
  return runConsumerLoop(
    {
      common: config.common,
      what: `consume Kafka topic "${config.topic}" in group "${config.groupId}"`,
      describe: {
        brokers: config.brokers,
        saslUsername: config.security.sasl?.username ?? null,
        tlsCaFile: config.security.tlsCa?.file ?? null,
        topic: config.topic,
        groupId: config.groupId,
        maxDeliveries: config.consumer.maxDeliveries,
      },
      classify: kafkaAccessRefusal,
      openSession: (tally) => KafkaConsumerSession.open({ ...config, kafka, tally, lag, log: context.log }),
    },
    context,
  );
});
