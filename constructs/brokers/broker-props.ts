/**
 * The props every broker kind shares (BrokerBaseProps, checked by
 * BrokerBase) and their list of fields, which each kind's props extend.
 */
import type { ContainerImage } from "../images/container-image";
import type { INetwork } from "../networking/network";
import type { BrokerMetricsOptions } from "../observability/metrics";
import type { ContainerHardening } from "../security/container-hardening";
import type { RemovalPolicy } from "../storage/data-volume";
import type { BrokerTlsOptions } from "./broker-tls";

/** The props every broker kind has. */
export interface BrokerBaseProps {
  /** The network the broker is on; wired apps join it. */
  readonly network: INetwork;
  /**
   * Container name, hostname and network alias: one host name label (letters,
   * digits, '-'; at most 63 characters), fixed so that data survives a
   * container replacement.
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * The broker image (the official image's layout).
   * @default - the kind's default image (DefaultImages)
   */
  readonly image?: ContainerImage;
  /**
   * Memory limit in MiB.
   * @default - the kind's default
   */
  readonly memoryMb?: number;
  /**
   * What `cdktf destroy` does to the data volume (see RemovalPolicy).
   * @default "retain"
   */
  readonly dataRemovalPolicy?: RemovalPolicy;
  /**
   * Seconds deploy waits for the broker to report healthy.
   * @default 180
   */
  readonly startTimeoutSeconds?: number;
  /**
   * Seconds the broker gets to stop after SIGTERM on destroy or replace.
   * @default 30
   */
  readonly stopGracePeriodSeconds?: number;
  /**
   * Labels of the broker's containers.
   * @default - none
   */
  readonly labels?: Record<string, string>;
  /**
   * Nodes of the broker: 1, or an odd number >= 3, so that a majority
   * survives the loss of a node. With more than one, node i is its own
   * container `<name>-<i>` (hostname and network alias too; every node also
   * answers to `<name>`), with its own data volume `<name>-<i>-data` and,
   * when host ports are published, the base port + i - 1 on 127.0.0.1.
   * @default 1
   */
  readonly nodes?: number;
  /**
   * The secret every credential the broker generates is derived from: each
   * wired app's own password (`sha256(<key>/<broker>/<app>)`, computed by
   * Terraform at plan time, so it never appears in the synthesized JSON and
   * never drifts) and, for a single-node Kafka, its inter-broker password
   * (a Kafka cluster's derives from `<name>_cluster_secret`, so a new key
   * restarts no node).
   * A Token (a TerraformVariable's value or another resource's attribute),
   * never a literal.
   * @default - a sensitive TerraformVariable `<name>_credentials_key` with no
   * default (at least 24 characters), declared when the broker first needs
   * it: set `TF_VAR_<name>_credentials_key`
   */
  readonly credentialsKey?: string;
  /**
   * TLS on the listeners apps and the host reach (RabbitMQ: AMQPS on 5671
   * instead of AMQP; Kafka: SASL_SSL instead of SASL_PLAINTEXT). Wired apps
   * verify the broker's certificate and host name against the CA, mounted
   * read-only at `/etc/messaging/tls-ca/<broker>/ca.pem`; host clients get
   * it from the output `<name>_ca_certificate`.
   * @default - no TLS
   */
  readonly tls?: BrokerTlsOptions;
  /**
   * How the broker's containers are locked down: no-new-privileges, every
   * capability dropped and only the kind's list added back (RabbitMQ: what
   * the official image's root entrypoint needs to chown its data and drop to
   * its user), log rotation (json-file, 10 MiB x 3). The root filesystem
   * stays writable. Weakening a default needs a `reason`, put on the
   * containers as the label `cdktf-docker-messaging.hardening-exception`.
   * See ContainerHardening.
   * @default - fully hardened
   */
  readonly hardening?: ContainerHardening;
  /**
   * Prometheus metrics on every node, on the broker's network (a
   * `Prometheus` construct of the stack scrapes them), and on 127.0.0.1 of
   * the host only when `hostPort` is given. Unauthenticated, read-only, as
   * the exporters serve them: publish them only to a trusted host.
   * @default - on, not published
   */
  readonly metrics?: BrokerMetricsOptions;
}

/** The fields of BrokerBaseProps, for the unknown-props check of each kind. */
export const BROKER_BASE_PROPS: Record<keyof BrokerBaseProps, true> = {
  network: true,
  name: true,
  image: true,
  memoryMb: true,
  dataRemovalPolicy: true,
  startTimeoutSeconds: true,
  stopGracePeriodSeconds: true,
  labels: true,
  nodes: true,
  credentialsKey: true,
  tls: true,
  hardening: true,
  metrics: true,
};
