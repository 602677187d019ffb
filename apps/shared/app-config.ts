import { AppEnv, AppMetricsEnv, AppOnlyEnv, ConnectionEnv } from "../../constructs/connection-env";
import { ConfigError, readPemCaFile, requiredString, secretString, setting } from "./config";
import { LogLevel } from "./logger";

/**
 * The settings the four apps share, read from the variables named in the
 * construct <-> app contract. Defaults here are the documented defaults
 * (apps/README.md); the constructs may set every one of them.
 */

export interface CommonConfig {
  readonly statsIntervalSeconds: number;
  readonly brokerRetrySeconds: number;
  readonly logLevel: LogLevel;
  readonly healthFile: string;
  /** Where /metrics is served (all interfaces); 0 = not served. */
  readonly metricsPort: number;
}

export function readCommonConfig(env: NodeJS.ProcessEnv): CommonConfig {
  return {
    statsIntervalSeconds: setting(env, AppEnv.STATS_INTERVAL_SECONDS),
    brokerRetrySeconds: setting(env, AppEnv.BROKER_RETRY_SECONDS),
    logLevel: setting(env, AppOnlyEnv.LOG_LEVEL) as LogLevel,
    healthFile: setting(env, AppOnlyEnv.HEALTH_FILE),
    metricsPort: setting(env, AppMetricsEnv.METRICS_PORT),
  };
}

export interface ProducerConfig {
  /** Messages per second; 0 = as fast as the broker confirms. */
  readonly rate: number;
  /** Messages to send; 0 = forever. */
  readonly count: number;
  readonly messageSizeBytes: number;
  readonly exitWhenDone: boolean;
}

export function readProducerConfig(env: NodeJS.ProcessEnv): ProducerConfig {
  return {
    rate: setting(env, AppEnv.PRODUCER_RATE),
    count: setting(env, AppEnv.PRODUCER_COUNT),
    messageSizeBytes: setting(env, AppEnv.MESSAGE_SIZE_BYTES),
    exitWhenDone: setting(env, AppEnv.EXIT_WHEN_DONE),
  };
}

export interface ConsumerConfig {
  /** Processing attempts of one message before it is given up on as poison. */
  readonly maxDeliveries: number;
  /** Test hook: processing fails for payloads containing this. */
  readonly failMarker: string | undefined;
  /** Test/bench hook: simulated work per message. */
  readonly workMs: number;
}

export function readConsumerConfig(env: NodeJS.ProcessEnv): ConsumerConfig {
  const failMarker = env[AppOnlyEnv.CONSUMER_FAIL_MARKER];
  return {
    maxDeliveries: setting(env, AppEnv.CONSUMER_MAX_DELIVERIES),
    failMarker: failMarker === undefined || failMarker === "" ? undefined : failMarker,
    workMs: setting(env, AppOnlyEnv.CONSUMER_WORK_MS),
  };
}

/**
 * RABBITMQ_URL: one amqp:// or amqps:// URL per RabbitMQ node, comma-separated
 * (a password is URL-encoded, so a comma never appears inside one URL); a
 * single URL is a list of one. Spaces around an entry are ignored. It holds
 * passwords, so it may come from a file named in RABBITMQ_URL_FILE instead
 * (`secretString`); the errors below name RABBITMQ_URL either way.
 */
export function readRabbitUrls(env: NodeJS.ProcessEnv): string[] {
  const raw = secretString(env, ConnectionEnv.RABBITMQ_URL);
  if (raw === undefined || raw.trim() === "") {
    throw new ConfigError(ConnectionEnv.RABBITMQ_URL, "a non-empty string", raw);
  }
  const urls = raw.split(",").map((entry) => entry.trim());
  urls.forEach((url, index) => {
    const problem = amqpUrlProblem(url);
    if (problem === undefined) return;
    // The value may hold passwords: say what is wrong (and where) without echoing it.
    if (urls.length === 1) throw new ConfigError(ConnectionEnv.RABBITMQ_URL, "an amqp:// or amqps:// URL", raw, problem);
    throw new ConfigError(
      ConnectionEnv.RABBITMQ_URL,
      "a comma-separated list of amqp:// or amqps:// URLs",
      raw,
      `${problem} as entry ${index + 1} of ${urls.length}`,
    );
  });
  return urls;
}

/** What is wrong with one RABBITMQ_URL entry, in words that never quote it; undefined if nothing. */
function amqpUrlProblem(url: string): string | undefined {
  if (url === "") return "an empty string";
  // Without "scheme://" (say `rabbit-2:5672` or `user:pass@host`) the WHATWG
  // parser would take what precedes the first colon for a scheme: naming it
  // would mislead, and could show a user name.
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return "something that is not a URL";
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    return "something that is not a URL";
  }
  return protocol === "amqp:" || protocol === "amqps:" ? undefined : `a ${protocol}// URL`;
}

/**
 * RABBITMQ_TLS_CA_FILE: the CA certificates the app trusts for its amqps://
 * nodes (undefined: Node's bundled CAs). Refused when no node of `urls` is
 * amqps://: a CA that would never be used means the wiring is wrong.
 */
export function readRabbitTlsCa(env: NodeJS.ProcessEnv, urls: readonly string[]): TlsCa | undefined {
  const name = ConnectionEnv.RABBITMQ_TLS_CA_FILE;
  const path = env[name];
  if (path === undefined || path === "") return undefined;
  if (!urls.some((url) => url.toLowerCase().startsWith("amqps://"))) {
    throw new ConfigError(name, `unset when ${ConnectionEnv.RABBITMQ_URL} has no amqps:// URL`, path);
  }
  return { file: path, certificates: readPemCaFile(env, name) };
}

/** A CA file and the certificates read from it. */
export interface TlsCa {
  readonly file: string;
  readonly certificates: string[];
}

/** How a Kafka app authenticates and whether it uses TLS (KAFKA_SASL_*, KAFKA_TLS_CA_FILE). */
export interface KafkaSecurity {
  /** SCRAM-SHA-512 credentials; undefined: no SASL. */
  readonly sasl?: { readonly username: string; readonly password: string };
  /** The CA to verify the brokers with; undefined: no TLS. */
  readonly tlsCa?: TlsCa;
}

export function readKafkaSecurity(env: NodeJS.ProcessEnv): KafkaSecurity {
  const userName = ConnectionEnv.KAFKA_SASL_USERNAME;
  const passwordName = ConnectionEnv.KAFKA_SASL_PASSWORD;
  const username = env[userName];
  // Or from KAFKA_SASL_PASSWORD_FILE (a docker secret); the errors below name KAFKA_SASL_PASSWORD either way.
  const password = secretString(env, passwordName);
  const isSet = (value: string | undefined) => value !== undefined && value !== "";
  let sasl: KafkaSecurity["sasl"];
  if (isSet(username) || isSet(password)) {
    // Never quote the password: say only whether it is set.
    if (!isSet(username)) {
      throw new ConfigError(userName, `set when ${passwordName} is set`, username, username === "" ? "an empty string" : undefined);
    }
    if (!isSet(password)) {
      throw new ConfigError(passwordName, `set when ${userName} is set`, password, password === "" ? "an empty string" : undefined);
    }
    sasl = { username: username!, password: password! };
  }
  const caPath = env[ConnectionEnv.KAFKA_TLS_CA_FILE];
  const tlsCa =
    caPath === undefined || caPath === "" ? undefined : { file: caPath, certificates: readPemCaFile(env, ConnectionEnv.KAFKA_TLS_CA_FILE) };
  return { sasl, tlsCa };
}

/** KAFKA_BOOTSTRAP_SERVERS: `host:port[,host:port...]`. */
export function readKafkaBrokers(env: NodeJS.ProcessEnv): string[] {
  const raw = requiredString(env, ConnectionEnv.KAFKA_BOOTSTRAP_SERVERS);
  const brokers = raw.split(",").map((entry) => entry.trim());
  if (brokers.some((broker) => !/^[^\s:/]+:\d{1,5}$/.test(broker))) {
    throw new ConfigError(ConnectionEnv.KAFKA_BOOTSTRAP_SERVERS, "a comma-separated list of host:port", raw);
  }
  return brokers;
}

/** A URL without its password, for logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "<unparseable url>";
  }
}
