/**
 * The contract between the constructs and the apps in `apps/`: the
 * environment variables a wiring sets on an app and the app settings. Each
 * broker kind owns its names in its own folder; this file only gathers them
 * for the apps, which import it through their esbuild bundle, so the names
 * cannot drift. It must stay free of cdktf imports.
 */
import { KafkaConnectionEnv } from "./brokers/kafka/kafka-env";
import { RabbitMqConnectionEnv } from "./brokers/rabbitmq/rabbitmq-env";

export { KafkaConnectionEnv } from "./brokers/kafka/kafka-env";
export { RabbitMqConnectionEnv } from "./brokers/rabbitmq/rabbitmq-env";
export {
  AppEnv,
  AppMetricsEnv,
  AppOnlyEnv,
  DEFAULT_APP_METRICS_PORT,
  type AppEnvName,
  type AppMetricsEnvName,
  type AppOnlyEnvName,
} from "./apps/app-settings";

/** Every connection variable of the broker kinds this package ships. */
export const ConnectionEnv = { ...RabbitMqConnectionEnv, ...KafkaConnectionEnv } as const;

/** The name of one connection variable (a value of {@link ConnectionEnv}). */
export type ConnectionEnvName = (typeof ConnectionEnv)[keyof typeof ConnectionEnv];
