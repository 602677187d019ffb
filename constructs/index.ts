/**
 * The public API: brokers and their topology, apps, networking, images,
 * storage, aspects, observability, TLS and the synth error report.
 * Internal helpers (rendering, id derivation, env-name mapping) stay in
 * their modules; tests and the testing entry point import them from there.
 *
 * @module cdktf-docker-messaging
 */
export {
  AppEnv,
  type AppEnvName,
  AppMetricsEnv,
  type AppMetricsEnvName,
  AppOnlyEnv,
  type AppOnlyEnvName,
  ConnectionEnv,
  type ConnectionEnvName,
  DEFAULT_APP_METRICS_PORT,
  KafkaConnectionEnv,
  RabbitMqConnectionEnv,
} from "./connection-env";
export { MessagingValidationError } from "./errors/messaging-error";
export {
  MessagingProblems,
  assertNoProblems,
  deferCheck,
  report as reportProblem,
  reportFindings,
  type ReportOptions,
} from "./errors/problems";
export type { Finding } from "./errors/finding";
export type { SourceLocation } from "./errors/source-location";
export { runSynth, formatSynthFailure, SYNTH_DEBUG_ENV } from "./errors/synth-report";
export { DefaultImages } from "./images/default-images";
export { ContainerImage, type BoundImage, type BuildImageOptions, type RegistryImageOptions } from "./images/container-image";
export { Network, type INetwork, type NetworkProps } from "./networking/network";
export {
  TOPOLOGY_COMMENT_KEY,
  TOPOLOGY_FORMAT_VERSION,
  TOPOLOGY_KEY,
  type AppTopology,
  type BrokerKindTopology,
  type BrokerNodeTopology,
  type BrokerTopology,
  type ComponentTopology,
  type EntityRef,
  type EntityTopology,
  type ImageTopology,
  type LinkTopology,
  type NetworkTopology,
  type PublishedPortTopology,
  type TopologyDescription,
  type WiringTopology,
} from "./topology/topology-description";
export { describeTopology } from "./topology/describe-topology";
export { renderTopologySvg } from "./topology/render-svg";
export { renderTopologyMermaid } from "./topology/render-mermaid";
export { DataVolume, type DataVolumeProps, type RemovalPolicy } from "./storage/data-volume";
export { DockerHost, type DockerHostProps, DEFAULT_DOCKER_HOST, DOCKER_PROVIDER_VERSION } from "./provider/docker-provider";
export {
  type SwarmOptions,
  type SwarmBrokerPlacement,
  type SwarmEndpointMode,
  type ResolvedSwarm,
  type IDeployTarget,
} from "./provider/swarm-target";
export type { BrokerEndpoint, BrokerWiring, IBroker, IBrokerClient, WiringTarget } from "./brokers/broker";
export { BrokerBase, type BrokerBaseProps, BROKER_BASE_PROPS } from "./brokers/broker-base";
export type { BrokerKindDescription } from "./brokers/broker-kind";
export { type BrokerNode, MAX_BROKER_NODES, endpointOf } from "./brokers/broker-naming";
export type { BrokerNodeSpec } from "./brokers/broker-node";
export type { RollRefusal } from "./brokers/roll-refusal";
export type { BrokerSetupJobSpec, SetupJobUser } from "./brokers/broker-setup-job";
export { type BrokerTlsOptions, APP_TLS_CA_DIR } from "./brokers/broker-tls";
export { checkSecretToken } from "./brokers/broker-credentials";
export type { Late, PublishedPort } from "./private/container-spec";
export { RabbitMqBroker, type RabbitMqBrokerProps } from "./brokers/rabbitmq/rabbitmq-broker";
export { RABBITMQ_AMQP_PORT, RABBITMQ_MANAGEMENT_PORT, RABBITMQ_METRICS_PORT } from "./brokers/rabbitmq/rabbitmq-node-config";
export { RabbitMqQueue } from "./brokers/rabbitmq/rabbitmq-queue";
export { RabbitMqExchange } from "./brokers/rabbitmq/rabbitmq-exchange";
export type {
  ExchangeReference,
  QueueReference,
  RabbitMqArgument,
  RabbitMqBindingOptions,
  RabbitMqExchangeOptions,
  RabbitMqExchangeType,
  RabbitMqPolicyOptions,
  RabbitMqPublishOptions,
  RabbitMqQueueOptions,
} from "./brokers/rabbitmq/rabbitmq-topology-options";
export type { RabbitMqPolicyTarget } from "./brokers/rabbitmq/rabbitmq-policies";
export type { RabbitMqQueueType } from "./brokers/rabbitmq/rabbitmq-value-rules";
export { KafkaBroker, type KafkaBrokerProps, type KafkaTopicOptions } from "./brokers/kafka/kafka-broker";
export { KAFKA_INTERNAL_PORT } from "./brokers/kafka/kafka-constants";
export { KafkaTopic, type KafkaConsumeOptions } from "./brokers/kafka/kafka-topic";
export { HealthCheck, type HealthCheckOptions } from "./apps/health-check";
export { AppContainer } from "./apps/app-container";
export type { AppContainerProps, AppPort, RestartPolicy } from "./apps/app-container-props";
export { ShippedApps, type ShippedAppName, type ShippedAppImageOptions } from "./apps/shipped-apps";
export { type ContainerHardening, LINUX_CAPABILITIES, RABBITMQ_ENTRYPOINT_CAPABILITIES } from "./security/container-hardening";
export { Prometheus, type PrometheusProps } from "./observability/prometheus";
export { Alertmanager, type AlertmanagerProps } from "./observability/alertmanager";
export { ALERTMANAGER_PORT } from "./observability/alertmanager-config";
export {
  AlertReceiver,
  type AlertReceiverKind,
  type EmailReceiverOptions,
  type MsTeamsReceiverOptions,
  type OpsgenieReceiverOptions,
  type PagerDutyReceiverOptions,
  type SensitiveValue,
  type SlackReceiverOptions,
  type WebhookReceiverOptions,
} from "./observability/alert-receiver";
export { type AlertChildRoute, type AlertInhibitRule, type AlertRoute } from "./observability/alert-routing";
export { AppMetricNames } from "./apps/app-metric-names";
export { KafkaMetricNames, KAFKA_METRICS_PORT } from "./brokers/kafka/kafka-metrics";
export { scrapesFor, type PrometheusAlertRule } from "./observability/alert-rules";
export {
  type AppMetricsOptions,
  type BrokerMetricsOptions,
  type IMetricsSource,
  type ScrapeTarget,
  type ServedMetrics,
  isMetricsSource,
  ScrapeLabels,
} from "./observability/metrics";
export { CommonLabels, type CommonLabelsProps } from "./aspects/common-labels";
export { UniqueHostPorts, ensureUniqueHostPorts } from "./aspects/unique-host-ports";
export { ImageTagWarning } from "./aspects/image-tag-warning";
export { addMessagingAspects, type MessagingAspectsOptions } from "./aspects/messaging-aspects";
export {
  TlsCertificates,
  type ITlsCertificates,
  type TlsAttachment,
  type TlsBrokerFiles,
  type TlsCertificateFilesProps,
  type TlsCertificatesBaseProps,
  type TlsCertificatesProps,
  type TlsFile,
  type TlsVolumeMount,
  TLS_APP_CA_DIR,
  TLS_BROKER_DIR,
  TLS_REVISION_LABEL,
} from "./security/tls-certificates";
export { SwarmTlsCertificateFiles } from "./security/swarm-tls-certificate-files";
