/**
 * Clusters: a 3-node RabbitMQ and a 3-node Kafka on one Docker engine, each
 * with an endless producer and a consumer, TLS on both, a Prometheus and an
 * Alertmanager that sends its alerts to a webhook.
 */
import { App, TerraformStack, TerraformVariable } from "cdktf";
import type { Construct } from "constructs";
import {
  addMessagingAspects,
  Alertmanager,
  AlertReceiver,
  AppContainer,
  AppEnv,
  type ContainerImage,
  DockerHost,
  HealthCheck,
  KafkaBroker,
  Network,
  Prometheus,
  RabbitMqBroker,
  runSynth,
  ShippedApps,
} from "cdktf-docker-messaging";

/** Name of the stack (its folder under cdktf.out/stacks/). */
export const CLUSTER_STACK_NAME = "cluster";

/**
 * A 3-node RabbitMQ (quorum queue on every node, pause_minority) and a
 * 3-node Kafka (KRaft, every node a voter, replication factor 3,
 * min.insync.replicas 2), each with an endless producer (confirms /
 * acks=all, 50 msg/s) and a consumer. Both brokers publish their nodes on
 * 127.0.0.1 for host clients. Both have TLS on, with certificates generated
 * at deploy. A Prometheus scrapes every node and app (UI on
 * 127.0.0.1:39090) and sends its alerts to an Alertmanager (UI on
 * 127.0.0.1:39093), which POSTs them to a webhook. Deploy asks for
 * TF_VAR_cluster_rabbitmq_admin_password, TF_VAR_cluster_rabbitmq_erlang_cookie,
 * TF_VAR_cluster_rabbitmq_credentials_key, TF_VAR_cluster_kafka_admin_password,
 * TF_VAR_cluster_kafka_credentials_key, TF_VAR_cluster_kafka_cluster_secret and
 * TF_VAR_cluster_alert_webhook_url.
 */
export function buildClusterStack(scope: Construct, id = CLUSTER_STACK_NAME): TerraformStack {
  const stack = new TerraformStack(scope, id);
  new DockerHost(stack, "docker");
  addMessagingAspects(stack, { labels: { "cdktf-docker-messaging.example": id } });
  const network = new Network(stack, "net", { name: id });
  const healthy = HealthCheck.exec(["test", "-f", "/tmp/app-healthy"], { intervalSeconds: 5, startPeriodSeconds: 5 });
  const app = (name: string, image: ContainerImage, environment: Record<string, string>) =>
    new AppContainer(stack, name, { image, environment, memoryMb: 128, healthCheck: healthy });

  const rabbit = new RabbitMqBroker(stack, "rabbitmq", {
    network,
    name: "cluster-rabbitmq",
    nodes: 3,
    amqpHostPort: 35672, // nodes publish 35672, 35673, 35674 on 127.0.0.1
    managementHostPort: 35682, // and 35682, 35683, 35684
    dataRemovalPolicy: "destroy",
    tls: { certificates: "generate" }, // AMQPS only
  });
  const jobs = rabbit.addQueue("cluster.jobs"); // quorum: a replica on every node
  jobs.grantPublish(app("cluster-rabbitmq-producer", ShippedApps.rabbitmqProducer(), { [AppEnv.PRODUCER_RATE]: "50" }));
  jobs.grantConsume(app("cluster-rabbitmq-consumer", ShippedApps.rabbitmqConsumer(), {}));

  const kafka = new KafkaBroker(stack, "kafka", {
    network,
    name: "cluster-kafka",
    nodes: 3,
    hostPort: 39192, // nodes publish 39192, 39193, 39194 on 127.0.0.1
    memoryMb: 768,
    dataRemovalPolicy: "destroy",
    tls: { certificates: "generate" }, // SASL_SSL for apps and the host
  });
  const events = kafka.addTopic("cluster.events", { partitions: 3 });
  events.grantProduce(app("cluster-kafka-producer", ShippedApps.kafkaProducer(), { [AppEnv.PRODUCER_RATE]: "50" }));
  events.grantConsume(app("cluster-kafka-consumer", ShippedApps.kafkaConsumer(), {}), { groupId: "cluster-consumers" });
  // Every node and app, scraped every 5 s: a killed node fires MessagingBrokerNodeDown after 15 s.
  new Prometheus(stack, "prometheus", {
    name: "cluster-prometheus",
    uiHostPort: 39090,
    scrapeIntervalSeconds: 5,
    dataRemovalPolicy: "destroy",
  });
  // Where the alerts go: a webhook whose URL may carry a token, so it is a sensitive variable, never in the code.
  const webhookUrl = new TerraformVariable(stack, "cluster_alert_webhook_url", {
    type: "string",
    sensitive: true,
    description: "The URL Alertmanager POSTs alert notifications to (it may carry a token). Set TF_VAR_cluster_alert_webhook_url.",
  });
  // Groups notify 5 s after their first alert and every 10 s while they change: a killed node is reported within
  // MessagingBrokerNodeDown's 15 s plus a few seconds. The default inhibition mutes the warnings of a broker whose node is down.
  new Alertmanager(stack, "alertmanager", {
    name: "cluster-alertmanager",
    receivers: [AlertReceiver.webhook("on-call", { url: webhookUrl })],
    route: { groupWaitSeconds: 5, groupIntervalSeconds: 10 },
    uiHostPort: 39093,
    dataRemovalPolicy: "destroy",
  });
  return stack;
}

if (require.main === module) {
  // Every problem of the stack as one short block naming this file and line, exit status 1.
  runSynth(() => {
    const app = new App();
    buildClusterStack(app);
    app.synth();
  });
}
