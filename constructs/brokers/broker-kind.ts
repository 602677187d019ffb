/**
 * What a broker kind tells the base about itself (BrokerBase's constructor
 * takes it): its name, ports, image and memory defaults, capabilities, the
 * user its process runs as, where it serves metrics and the alert rules on
 * them, and what the rest of the library shows or checks of it (its title,
 * what its ports are for, the variables its wirings set). The shared code
 * asks the kind through this and BrokerBase's hooks; none of it names a kind.
 */
import type { PrometheusAlertRule } from "../observability/alert-rules";
import type { ServedMetrics } from "../observability/metrics";

/** What a broker kind tells the base about itself. */
export interface BrokerKindDescription {
  /** e.g. `rabbitmq`. */
  readonly kind: string;
  /**
   * The kind's name for people, e.g. `RabbitMQ`: the topology picture's broker frames.
   * @default - the kind
   */
  readonly title?: string;
  /**
   * What the kind's container ports are for (`{ 5672: "AMQP" }`): named
   * beside published ports in the topology picture.
   * @default - none named
   */
  readonly portNames?: Readonly<Record<number, string>>;
  /**
   * The environment variables the kind's grant verbs set on a wired app. An
   * app's own `environment` may not set one (the wiring does), and a near
   * miss of one (`NATS_URLL`) is refused as a typo the app would ignore.
   * @default - none
   */
  readonly connectionVariables?: readonly string[];
  /** The props interface's name, for messages (`RabbitMqBrokerProps`). */
  readonly propsName: string;
  /** Every field of the kind's props (BROKER_BASE_PROPS and its own). */
  readonly knownProps: Record<string, true>;
  /** The port apps on the network connect to. */
  readonly internalPort: number;
  /** The host port the main endpoint is published on, if any. */
  readonly hostPort?: number;
  /** The image when the props give none, e.g. `rabbitmq:4.3-management`. */
  readonly defaultImage: string;
  /** The memory limit in MiB when `memoryMb` is not given. */
  readonly defaultMemoryMb: number;
  /** Below this, the broker cannot run; `memoryFix` says why. */
  readonly minMemoryMb: number;
  /** The fix said when `memoryMb` is below `minMemoryMb`. */
  readonly memoryFix: string;
  /**
   * Capabilities the kind's containers get back after all are dropped, by
   * Linux name (`"SETUID"`): what the kind's default image needs to start.
   * A user's `hardening.addCapabilities` replaces the list; adding one
   * outside it needs a reason.
   * @default [] - the image starts as a non-root user and needs none
   */
  readonly addedCapabilities?: readonly string[];
  /** The uid:gid the kind's image runs its broker process as: the owner of its TLS key. */
  readonly processUser?: {
    /** User id. */
    readonly uid: number;
    /** Group id. */
    readonly gid: number;
  };
  /**
   * Where every node serves Prometheus metrics: one port, one or more scrape
   * endpoints (a Prometheus job each).
   * @default - the kind serves none
   */
  readonly metrics?: {
    /** The port every node serves metrics on. */
    readonly port: number;
    /** The scrape endpoints, a Prometheus job each. */
    readonly endpoints: readonly {
      /** The Prometheus job, e.g. `rabbitmq`. */
      readonly job: string;
      /** The metrics path, e.g. `/metrics`. */
      readonly path: string;
      /** Query parameters of the scrape URL. */
      readonly params?: Record<string, string[]>;
    }[];
    /** The metric names the endpoints serve, together: alert rules naming none of a stack's are refused. */
    readonly served: ServedMetrics;
    /**
     * The kind's default alert rules on those metrics, loaded by a
     * `Prometheus` of the stack that scrapes the broker (unless its
     * `defaultAlertRules` is false), once however many brokers of the kind
     * there are. `scrapeIntervalSeconds` is that Prometheus's: scale `for`
     * durations with it (see scrapesFor).
     * @default - none
     */
    readonly alertRules?: (scrapeIntervalSeconds: number) => PrometheusAlertRule[];
  };
  /**
   * Every host port the kind publishes, the main one (`hostPort`) included,
   * by its prop's name (base ports: node i adds i - 1), so that
   * `metrics.hostPort` cannot land on one of them and the message names the prop.
   */
  readonly publishedHostPorts?: Readonly<Record<string, number | undefined>>;
}
