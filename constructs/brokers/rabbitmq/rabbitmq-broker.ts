import { Fn, type TerraformVariable } from "../../private/framework";
import type { Construct } from "constructs";
import { HealthCheck } from "../../apps/health-check";
import { deferCheck, report } from "../../errors/problems";
import { captureUserLocation } from "../../errors/source-location";
import { DefaultImages } from "../../images/default-images";
import { rabbitMqRollRefusals } from "./rabbitmq-roll-refusals";
import type { Container, Service } from "../../private/bindings";
import type { PublishedPort } from "../../private/container-spec";
import { ContainerImage } from "../../images/container-image";
import { RABBITMQ_SETUP_SCRIPT } from "./rabbitmq-setup-script";
import { escapeTemplate } from "../../private/terraform-text";
import { checkKnownKeys, isToken, printable } from "../../private/validation";
import type { DataVolume } from "../../storage/data-volume";
import type { BrokerKindTopology } from "../../topology/topology-description";
import { AppGrants } from "../app-grants";
import type { BrokerWiring, IBrokerClient } from "../broker";
import { BROKER_BASE_PROPS, BrokerBase, firstContainer, type BrokerBaseProps } from "../broker-base";
import { checkPortRange } from "../broker-ports";
import { rabbitMqAlertRules } from "./rabbitmq-alert-rules";
import { RabbitMqConnectionEnv } from "./rabbitmq-env";
import { RabbitMqExchange } from "./rabbitmq-exchange";
import { RabbitMqQueue } from "./rabbitmq-queue";
import { rabbitMqTopologyEntities } from "./rabbitmq-topology-entities";
import { PREDEFINED_EXCHANGES, PUBLISH_OPTIONS, RabbitMqTopology } from "./rabbitmq-topology";
import {
  exchangeNameOf,
  type ExchangeReference,
  type QueueReference,
  type RabbitMqBindingOptions,
  type RabbitMqExchangeOptions,
  type RabbitMqPolicyOptions,
  type RabbitMqPublishOptions,
  type RabbitMqQueueOptions,
} from "./rabbitmq-topology-options";
import { RABBITMQ_SERVED_METRICS } from "./rabbitmq-metric-names";
import { anyOf, topicPermissions, type AppGrant } from "./rabbitmq-app-grants";
import { rabbitMqHealthCheck, rabbitMqRollingCheck } from "./rabbitmq-health";
import {
  RABBITMQ_AMQP_PORT,
  RABBITMQ_AMQPS_PORT,
  RABBITMQ_CONFIG_FILE,
  RABBITMQ_DATA_DIR,
  RABBITMQ_DEFINITIONS_FILE,
  RABBITMQ_MANAGEMENT_PORT,
  RABBITMQ_METRICS_PORT,
  renderRabbitMqConfig,
  renderRabbitMqDefinitions,
} from "./rabbitmq-node-config";
import { maxMessageSizeFindings, otherRoutingKeys } from "./rabbitmq-publisher-checks";
import { RABBITMQ_MIN_MEMORY_MB, validateRabbitMqProps } from "./validate-rabbitmq";

/** The variable the node's start command writes the Erlang cookie from (not one RabbitMQ reads itself). */
const COOKIE_ENV = "CDKTF_MESSAGING_ERLANG_COOKIE";

export interface RabbitMqBrokerProps extends BrokerBaseProps {
  /**
   * The administrator user that the definitions file creates (apps connect as it).
   * @default "admin"
   */
  readonly adminUser?: string;
  /**
   * The administrator's password, as a Token (a TerraformVariable's value or
   * another resource's attribute): never a literal, never generated at synth.
   * @default - a sensitive TerraformVariable `<name>_admin_password` (hyphens
   * as `_`) with no default: deploy stops and asks for it until it is set,
   * e.g. `TF_VAR_rabbitmq_admin_password`. At least 12 characters.
   */
  readonly adminPassword?: string;
  /**
   * The virtual host of the topology and the apps.
   * @default "/"
   */
  readonly vhost?: string;
  /**
   * Publish AMQP on 127.0.0.1:<port> of the host.
   * @default - not published
   */
  readonly amqpHostPort?: number;
  /**
   * Publish the management UI on 127.0.0.1:<port> of the host.
   * @default - not published
   */
  readonly managementHostPort?: number;
}

const RABBITMQ_PROPS: Record<keyof RabbitMqBrokerProps, true> = {
  ...BROKER_BASE_PROPS,
  adminUser: true,
  adminPassword: true,
  vhost: true,
  amqpHostPort: true,
  managementHostPort: true,
};

/**
 * A RabbitMQ node with its topology as code.
 *
 * - fixed hostname and a named volume at /var/lib/rabbitmq, so data survives
 *   a container replacement;
 * - rabbitmq.conf and definitions.json rendered at synth and uploaded into
 *   the container; the definitions (admin user, vhost, permissions, queues,
 *   exchanges, bindings, policies) are loaded at every start;
 * - no guest user: the admin password comes from a sensitive Terraform
 *   variable (or any Token);
 * - healthcheck `rabbitmq-diagnostics -q check_port_connectivity`, and
 *   deploy waits until healthy, so wired apps start against a broker that
 *   accepts connections;
 * - ports published on 127.0.0.1 only when asked.
 *
 * Apps are wired through the handles: `broker.addQueue("orders").grantConsume(app)`,
 * `broker.addExchange("events").grantPublish(app, { routingKey })`.
 */
export class RabbitMqBroker extends BrokerBase {
  /** Management UI on the host, when published. */
  public readonly managementUrl?: string;
  /** The administrator's user name. */
  public readonly adminUser: string;
  /** The virtual host of the topology and the apps. */
  public readonly vhost: string;
  /**
   * The first node's docker_container (also `node.defaultChild`); `containers` has every node's.
   * On a Swarm the nodes are services (`services`), and reading this throws.
   */
  public get container(): Container {
    return firstContainer(this);
  }
  /** The first node's data volume; `dataVolumes` has every node's. */
  public readonly dataVolume: DataVolume;
  /** Every node's data volume, in node order. */
  public readonly dataVolumes: readonly DataVolume[];
  /** The variable holding the cluster's Erlang cookie, with more than one node. */
  public readonly erlangCookieVariable?: TerraformVariable;
  /** The variable holding the admin password, when the construct declared it. */
  public readonly adminPasswordVariable?: TerraformVariable;
  /** @internal Queues, exchanges, bindings and policies, as declared so far (read by topologyEntities and the set-up job). */
  public readonly topology: RabbitMqTopology;
  private readonly adminPassword: string;
  /** The URL each wired app gets, made once: each Fn.urlencode call is a new Token, and equal wirings must compare equal. */
  private readonly appUrls = new Map<string, string>();
  /** What each wired app's own user may do, by app name. */
  private readonly grants = new AppGrants<AppGrant>(() => ({ readQueues: new Set(), writeExchanges: new Set(), publishKeys: new Map() }));
  private readonly setupContainer: Container;

  constructor(scope: Construct, id: string, props: RabbitMqBrokerProps) {
    super(scope, id, props, {
      kind: "rabbitmq",
      title: "RabbitMQ",
      portNames: { [RABBITMQ_AMQP_PORT]: "AMQP", [RABBITMQ_AMQPS_PORT]: "AMQPS", [RABBITMQ_MANAGEMENT_PORT]: "management UI" },
      connectionVariables: Object.values(RabbitMqConnectionEnv),
      propsName: "RabbitMqBrokerProps",
      knownProps: RABBITMQ_PROPS,
      internalPort: props?.tls !== undefined ? RABBITMQ_AMQPS_PORT : RABBITMQ_AMQP_PORT,
      processUser: { uid: 999, gid: 999 }, // the rabbitmq user of the official image (and of ours)
      hostPort: props?.amqpHostPort,
      publishedHostPorts: { managementHostPort: props?.managementHostPort, amqpHostPort: props?.amqpHostPort },
      metrics: {
        port: RABBITMQ_METRICS_PORT,
        endpoints: [
          // Aggregated node metrics (messages in/out, connections, alarms, raft).
          { job: "rabbitmq", path: "/metrics" },
          // Per queue: ready/unacked messages and consumers, for the queue alerts.
          // Only these two families: /metrics/per-object would list every metric per object.
          { job: "rabbitmq-queues", path: "/metrics/detailed", params: { family: ["queue_coarse_metrics", "queue_consumer_count"] } },
        ],
        served: { names: RABBITMQ_SERVED_METRICS },
        alertRules: rabbitMqAlertRules,
      },
      defaultImage: DefaultImages.rabbitmq,
      defaultMemoryMb: 512,
      minMemoryMb: RABBITMQ_MIN_MEMORY_MB,
      memoryFix: `give RabbitMQ at least ${RABBITMQ_MIN_MEMORY_MB} MiB: the Erlang VM and management plugin take ~150 MiB, and the memory alarm blocks publishers at 60% of the limit`,
      addedCapabilities: ["CHOWN", "DAC_OVERRIDE", "FOWNER", "SETGID", "SETUID"], // RABBITMQ_ENTRYPOINT_CAPABILITIES (security/container-hardening.ts): the official image starts as root, chowns, then gosu
    });
    validateRabbitMqProps(this, props);
    // The base checks the range of amqpHostPort (its main host port).
    if (this.nodes.length > 1) checkPortRange(this, "managementHostPort", props.managementHostPort, this.nodes.length);
    this.adminUser = props.adminUser ?? "admin";
    this.vhost = typeof props.vhost === "string" && props.vhost !== "" ? props.vhost : "/";
    this.topology = new RabbitMqTopology(this, this.nodes.length);

    // A literal is reported by validateRabbitMqProps and kept as given.
    const admin = this.adminPasswordFrom(
      props.adminPassword,
      `Password of the RabbitMQ administrator "${isToken(this.adminUser) ? "(token)" : this.adminUser}" of broker ${this.brokerName}`,
      { keepLiteral: true },
    );
    this.adminPassword = admin.password;
    this.adminPasswordVariable = admin.variable;
    if (props.managementHostPort !== undefined) this.managementUrl = `http://127.0.0.1:${props.managementHostPort}/`;

    this.dataVolumes = this.nodes.map((node) => this.addDataVolume(node));
    this.dataVolume = this.dataVolumes[0];
    const clustered = this.nodes.length > 1;
    this.erlangCookieVariable = this.addClusterSecretVariable(
      "erlang-cookie",
      "erlang_cookie",
      `Erlang cookie shared by the nodes of RabbitMQ cluster ${this.brokerName}`,
      20,
    );
    const containers: (Container | Service)[] = [];
    for (const node of this.nodes) {
      const ports: PublishedPort[] = [];
      if (props.amqpHostPort !== undefined) ports.push({ containerPort: this.amqpPort, hostPort: node.hostPort(props.amqpHostPort) });
      if (props.managementHostPort !== undefined)
        ports.push({ containerPort: RABBITMQ_MANAGEMENT_PORT, hostPort: node.hostPort(props.managementHostPort) });
      containers.push(
        this.addNode(node, {
          component: "rabbitmq-broker",
          env: {
            // Read by the server when no definitions are imported; the
            // definitions below create the same user, so this is a fallback
            // that keeps guest/guest out in every case.
            RABBITMQ_DEFAULT_USER: this.adminUser,
            RABBITMQ_DEFAULT_PASS: this.adminPassword,
            RABBITMQ_DEFAULT_VHOST: this.vhost,
            ...(this.erlangCookieVariable ? { [COOKIE_ENV]: this.erlangCookieVariable.stringValue } : {}),
          },
          ports,
          volumes: [{ volumeName: this.dataVolumes[node.index - 1].volumeName, containerPath: RABBITMQ_DATA_DIR }],
          // Rendered at synth: queues declared after this point are included.
          // Every node loads the same definitions at boot.
          uploads: () => [
            { file: RABBITMQ_CONFIG_FILE, content: escapeTemplate(renderRabbitMqConfig(this)) },
            { file: RABBITMQ_DEFINITIONS_FILE, content: renderRabbitMqDefinitions(this, this.adminPassword) },
          ],
          // The nodes share one Erlang cookie, written where the server and
          // the CLI tools (the healthcheck) read it, $HOME/.erlang.cookie
          // (HOME=/var/lib/rabbitmq in the official image), mode 0400, before
          // the server starts (replacing the read-only one a replaced node
          // left on its volume). Uploading the file instead would make it
          // root's, unreadable to the rabbitmq user.
          ...(clustered
            ? {
                command: [
                  "/bin/sh",
                  "-c",
                  `umask 077 && rm -f "$HOME/.erlang.cookie" && printf '%s' "$${COOKIE_ENV}" > "$HOME/.erlang.cookie" && chmod 400 "$HOME/.erlang.cookie" && exec rabbitmq-server`,
                ],
              }
            : {}),
          // All nodes start together: RabbitMQ 4's peer discovery waits for
          // the listed nodes and picks one seed among them (measured: a node 1
          // started alone waits in "run peer discovery" and never boots).
          healthCheck: rabbitMqHealthCheck(this.nodes.length),
          // Up as soon as the Erlang node answers, peers or not (see BrokerNodeSpec.swarmHealthCheck).
          swarmHealthCheck: HealthCheck.exec(["rabbitmq-diagnostics", "-q", "ping"], {
            intervalSeconds: 10,
            timeoutSeconds: 15,
            retries: 10,
            startPeriodSeconds: 20,
          }),
          startCommand: ["rabbitmq-server"],
          rollingCheck: rabbitMqRollingCheck(this.nodes.length),
          rollRefusals: rabbitMqRollRefusals(this.image.imageName),
        }),
      );
    }
    this.setupContainer = this.declareSetupJob();

    if (this.hostEndpoint) {
      this.addOutput("amqp-url", "amqp_url", this.hostEndpoints.map((e) => this.amqpUrl(e.address)).join(","), {
        sensitive: true,
        description: `AMQP URL of RabbitMQ broker ${this.brokerName} from the Docker host (holds the password)`,
      });
    }
    if (this.managementUrl) {
      this.addOutput("management-url", "management_url", this.managementUrl, {
        description: `Management UI of RabbitMQ broker ${this.brokerName}${isToken(this.adminUser) ? "" : ` (user ${this.adminUser})`}`,
      });
    }
  }

  /** The exchanges, queues, bindings and dead-letter paths, for the topology description and picture. */
  protected topologyEntities(wirings: readonly BrokerWiring[]): Pick<BrokerKindTopology, "entities" | "links"> {
    return rabbitMqTopologyEntities(this.topology, wirings);
  }

  /** Declares a queue and returns its handle. Its dead-letter target may be declared later. */
  public addQueue(name: string, options: RabbitMqQueueOptions = {}): RabbitMqQueue {
    const declaration = this.topology.addQueue(name, options);
    return new RabbitMqQueue(this, name, declaration.type);
  }

  /** Declares an exchange and returns its handle. */
  public addExchange(name: string, options: RabbitMqExchangeOptions = {}): RabbitMqExchange {
    const declaration = this.topology.addExchange(name, options);
    return new RabbitMqExchange(this, name, declaration.type);
  }

  /** A handle on one of the exchanges every vhost has (`amq.direct`, `amq.topic`, ...). */
  public predefinedExchange(name: string): RabbitMqExchange {
    if (!PREDEFINED_EXCHANGES.includes(name)) {
      report(this, "not a predefined exchange", name, `use one of ${PREDEFINED_EXCHANGES.join(", ")}, or declare it with addExchange`);
    }
    return new RabbitMqExchange(this, name, this.topology.exchangeType(name) ?? "direct");
  }

  /** Binds a queue to an exchange (both may be declared later; checked at synth). */
  public bindQueue(queue: QueueReference, exchange: ExchangeReference, options: RabbitMqBindingOptions = {}): void {
    this.topology.bindQueue(queue, exchange, options);
  }

  /** Declares a policy (e.g. max-length or a TTL on queues matching a pattern). */
  public addPolicy(name: string, options: RabbitMqPolicyOptions): void {
    this.topology.addPolicy(name, options);
  }

  /** @internal used by RabbitMqQueue.grantConsume */
  public wireConsumer(app: IBrokerClient, queue: string): void {
    queue = printable(queue);
    const role = `consumer of queue "${queue}"`;
    if (!this.checkAppUser(app, role)) return;
    if (
      !this.wire(app, role, () => ({ ...this.connectionEnv(app), [RabbitMqConnectionEnv.RABBITMQ_QUEUE]: queue }), this.appTls()?.volumes, {
        direction: "consume",
        entityKind: "queue",
        entityName: queue,
        attributes: { queue },
      })
    )
      return;
    this.grants.of(app.appName).readQueues.add(queue);
    deferCheck(
      this,
      () =>
        this.topology.hasQueue(queue)
          ? []
          : [
              {
                problem: `${role} (${app.node.path}): the queue is not declared`,
                received: queue,
                fix: this.topology.undeclaredFix("queue", queue),
              },
            ],
      captureUserLocation(),
    );
  }

  /** @internal used by the grantPublish verbs */
  public wirePublisher(app: IBrokerClient, exchange: ExchangeReference, routingKey: string, options?: object): void {
    const exchangeName = exchangeNameOf(exchange);
    const role = exchangeName === "" ? `publisher to queue "${routingKey}"` : `publisher to exchange "${exchangeName}"`;
    if (options !== undefined) checkKnownKeys(this, `${role}: options`, options, PUBLISH_OPTIONS);
    if (typeof routingKey !== "string" || Buffer.byteLength(routingKey) > 255) {
      report(
        this,
        `${role} (${app?.node?.path}): routingKey must be a string of at most 255 bytes`,
        routingKey,
        'pass { routingKey: "..." }',
      );
      return;
    }
    const otherKeys = otherRoutingKeys(this, role, app, (options as RabbitMqPublishOptions | undefined)?.otherRoutingKeys);
    if (otherKeys === undefined || !this.checkAppUser(app, role)) return;
    const wired = this.wire(
      app,
      role,
      () => ({
        ...this.connectionEnv(app),
        [RabbitMqConnectionEnv.RABBITMQ_EXCHANGE]: exchangeName,
        [RabbitMqConnectionEnv.RABBITMQ_ROUTING_KEY]: routingKey,
      }),
      this.appTls()?.volumes,
      {
        // The default exchange delivers to the queue the routing key names: the picture draws the line to that queue.
        ...(exchangeName === ""
          ? { direction: "publish", entityKind: "queue", entityName: routingKey }
          : { direction: "publish", entityKind: "exchange", entityName: exchangeName }),
        routingKey,
        attributes: { exchange: exchangeName, routingKey },
      },
    );
    if (!wired) return;
    // Publishing to the default exchange is a write to `amq.default`.
    const grant = this.grants.of(app.appName);
    grant.writeExchanges.add(exchangeName === "" ? "amq.default" : exchangeName);
    if (exchangeName !== "") {
      const keys = grant.publishKeys.get(exchangeName) ?? new Set<string>();
      for (const key of [routingKey, ...otherKeys]) keys.add(key);
      grant.publishKeys.set(exchangeName, keys);
    }
    const location = captureUserLocation();
    deferCheck(
      this,
      () => [
        ...[routingKey, ...otherKeys].flatMap((key) => this.topology.publishFindings(`${role} (${app.node.path})`, exchangeName, key)),
        ...maxMessageSizeFindings(role, app),
      ],
      location,
    );
  }

  /** The one-shot job that makes the app users and their permissions match the grants. */
  public get setupJob(): Container {
    return this.setupContainer;
  }

  /**
   * Every node's URL, comma-separated (the apps walk the list when their
   * node goes away), with the app's own user and derived password.
   */
  private appUrl(app: IBrokerClient): string {
    let url = this.appUrls.get(app.appName);
    if (url === undefined) {
      const password = this.derivedPassword(app.appName);
      url = this.endpoints
        .map((e) => `${this.scheme}://${encodeURIComponent(app.appName)}:${password}@${e.address}/${encodeURIComponent(this.vhost)}`)
        .join(",");
      this.appUrls.set(app.appName, url);
    }
    return url;
  }

  /** The app's URL list and, with tls, the CA it verifies the nodes against. */
  private connectionEnv(app: IBrokerClient): Record<string, string> {
    const tls = this.appTls();
    return {
      [RabbitMqConnectionEnv.RABBITMQ_URL]: this.appUrl(app),
      ...(tls ? { [RabbitMqConnectionEnv.RABBITMQ_TLS_CA_FILE]: tls.caFile } : {}),
    };
  }

  /** The app's name is its user: it must not be the administrator's. */
  private checkAppUser(app: IBrokerClient, role: string): boolean {
    if (isToken(this.adminUser) || app?.appName !== this.adminUser) return true;
    report(
      this,
      `${role} (${app.node.path}): the app's name is its RabbitMQ user, and "${app.appName}" is the administrator`,
      app.appName,
      "rename the app (or choose another adminUser)",
    );
    return false;
  }

  /**
   * The set-up job: on the broker's network, as the administrator, through
   * the management API (see RABBITMQ_SETUP_SCRIPT). Its input is rendered at
   * synth, so grants made after it exists are in it; a change of grants
   * replaces only the job (and re-runs it), never a broker node. A new node
   * image replaces it too: it runs again after the nodes, and enables the
   * feature flags the new version brings.
   */
  private declareSetupJob(): Container {
    return this.addSetupJob({
      task: `Setting up the app users and feature flags of RabbitMQ broker ${this.brokerName}`,
      image: ContainerImage.fromRegistry(DefaultImages.node).bind(this),
      component: "rabbitmq-setup",
      networks: [{ network: this.network }],
      env: () => this.setupEnvironment(),
      command: ["node", "-e", escapeTemplate(RABBITMQ_SETUP_SCRIPT)],
      memoryMb: 128,
    });
  }

  private setupEnvironment(): Record<string, string> {
    const users = this.appUsers(this.grants.keys());
    const env: Record<string, string> = {
      MANAGEMENT_URLS: this.nodes.map((n) => `http://${n.name}:${RABBITMQ_MANAGEMENT_PORT}`).join(","),
      ADMIN_USER: this.adminUser,
      ADMIN_PASSWORD: this.adminPassword,
      VHOST: this.vhost,
      // Read by nothing: a new image replaces the job, which enables the new version's feature flags once the nodes are up.
      NODES_IMAGE: this.image.imageId,
      APP_USERS: JSON.stringify(
        users.map(({ user, passwordEnv }) => {
          const grant = this.grants.get(user)!;
          return {
            name: user,
            configure: "^$",
            write: anyOf(grant.writeExchanges),
            read: anyOf(grant.readQueues),
            topics: topicPermissions(this.topology, grant),
            passwordEnv,
          };
        }),
      ),
    };
    for (const { passwordEnv, password } of users) env[passwordEnv] = password;
    return env;
  }

  /** `amqp://user:password@host:port/vhost`, credentials URL-encoded (by Terraform when they are Tokens). */
  private amqpUrl(address: string): string {
    const user = isToken(this.adminUser) ? Fn.urlencode(this.adminUser) : encodeURIComponent(this.adminUser);
    return `${this.scheme}://${user}:${Fn.urlencode(this.adminPassword)}@${address}/${encodeURIComponent(this.vhost)}`;
  }

  /** `amqps` with tls, else `amqp`. */
  private get scheme(): string {
    return this.tls ? "amqps" : "amqp";
  }

  /** The AMQP listener's port: 5671 (TLS only) with tls, else 5672. */
  private get amqpPort(): number {
    return this.tls ? RABBITMQ_AMQPS_PORT : RABBITMQ_AMQP_PORT;
  }
}
