import * as fs from "fs";
import * as path from "path";
import { ContainerImage, type BuildImageOptions } from "../images/container-image";
import { DefaultImages } from "../images/default-images";
import { AppEnv, AppOnlyEnv } from "./app-settings";

/** The apps this package ships in its `apps/` folder, by folder name. */
export type ShippedAppName = "rabbitmq-producer" | "rabbitmq-consumer" | "kafka-producer" | "kafka-consumer";

/** Options of the {@link ShippedApps} images: those of `ContainerImage.fromBuild`. */
export type ShippedAppImageOptions = BuildImageOptions;

/** How the package names itself in errors, in either flavour (the shared labels and comments say the same). */
const PACKAGE_NAME = "cdktf-docker-messaging";

/**
 * The producer and consumer apps this package ships (`apps/`, see its
 * README), as images built on the Docker host from the package itself: each
 * is one pre-bundled JavaScript file on the Node image
 * (`DefaultImages.node`), so the build needs no registry and no npm install.
 *
 * ```ts
 * const consumer = new AppContainer(stack, "orders-consumer", { image: ShippedApps.rabbitmqConsumer() });
 * orders.grantConsume(consumer);
 * ```
 *
 * The npm package carries the bundles (built when it is packed); in a clone
 * of the repository, `npm run bundle:apps` (run by `npm run synth`) makes them,
 * and synth says so when one is missing.
 */
export class ShippedApps {
  /** Publishes persistent messages with publisher confirms to a RabbitMQ queue or exchange. */
  public static rabbitmqProducer(options: ShippedAppImageOptions = {}): ContainerImage {
    return ShippedApps.image("rabbitmq-producer", options);
  }

  /** Consumes a RabbitMQ queue with manual acks; dead-letters poison messages. */
  public static rabbitmqConsumer(options: ShippedAppImageOptions = {}): ContainerImage {
    return ShippedApps.image("rabbitmq-consumer", options);
  }

  /** Writes to a Kafka topic with an idempotent, `acks=all` producer. */
  public static kafkaProducer(options: ShippedAppImageOptions = {}): ContainerImage {
    return ShippedApps.image("kafka-producer", options);
  }

  /** Consumes a Kafka topic in a consumer group, committing only what it processed. */
  public static kafkaConsumer(options: ShippedAppImageOptions = {}): ContainerImage {
    return ShippedApps.image("kafka-consumer", options);
  }

  /**
   * The image of the shipped app `name`. Build arguments are merged over the
   * default `NODE_IMAGE` (the local Node image).
   */
  public static image(name: ShippedAppName, options: ShippedAppImageOptions = {}): ContainerImage {
    // From JavaScript, name and options may be anything: kept as given, the image reports them when bound.
    const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);
    const buildArgs: unknown = isObject(options) ? options.buildArgs : undefined;
    const merged = buildArgs === undefined || isObject(buildArgs) ? { NODE_IMAGE: DefaultImages.node, ...buildArgs } : buildArgs;
    const image = ContainerImage.fromBuildWithFix(
      typeof name === "string" ? path.join(ShippedApps.directory(), name) : name,
      isObject(options) ? ({ ...options, buildArgs: merged } as ShippedAppImageOptions) : options,
      `the package's apps are bundled when it is packed: reinstall cdktf-docker-messaging; in a clone of its repository run \`npm run bundle:apps\``,
    );
    if (typeof name === "string" && name in SHIPPED_APP_ROLES) shippedImages.set(image, name);
    return image;
  }

  /** The folder holding the shipped apps (`<package>/apps`). */
  public static directory(): string {
    return path.join(packageRoot(), "apps");
  }
}

/** What each shipped app does: the broker kind it speaks and the direction of its messages. */
export const SHIPPED_APP_ROLES: Record<ShippedAppName, { readonly brokerKind: string; readonly direction: "publish" | "consume" }> = {
  "rabbitmq-producer": { brokerKind: "rabbitmq", direction: "publish" },
  "rabbitmq-consumer": { brokerKind: "rabbitmq", direction: "consume" },
  "kafka-producer": { brokerKind: "kafka", direction: "publish" },
  "kafka-consumer": { brokerKind: "kafka", direction: "consume" },
};

/** Settings every shipped app reads (apps/shared/app-config.ts, readCommonConfig). */
const COMMON_SETTINGS = [AppEnv.STATS_INTERVAL_SECONDS, AppEnv.BROKER_RETRY_SECONDS, AppOnlyEnv.LOG_LEVEL, AppOnlyEnv.HEALTH_FILE];
/** Settings by role (readProducerConfig, readConsumerConfig; the RabbitMQ consumer also reads its prefetch). */
const ROLE_SETTINGS: Record<"publish" | "consume", readonly string[]> = {
  publish: [AppEnv.PRODUCER_RATE, AppEnv.PRODUCER_COUNT, AppEnv.MESSAGE_SIZE_BYTES, AppEnv.EXIT_WHEN_DONE],
  consume: [AppEnv.CONSUMER_MAX_DELIVERIES, AppOnlyEnv.CONSUMER_FAIL_MARKER, AppOnlyEnv.CONSUMER_WORK_MS],
};

/**
 * The settings of {@link AppEnv} and {@link AppOnlyEnv} that the shipped app
 * `app` reads: any other one in its environment is ignored by it (a
 * consumer's prefetch given to a producer). Checked against the apps' own
 * readers by a unit test.
 * @internal
 */
export function settingsReadBy(app: ShippedAppName): ReadonlySet<string> {
  const role = SHIPPED_APP_ROLES[app];
  const extra = app === "rabbitmq-consumer" ? [AppEnv.CONSUMER_PREFETCH] : [];
  return new Set([...COMMON_SETTINGS, ...ROLE_SETTINGS[role.direction], ...extra]);
}

const shippedImages = new WeakMap<ContainerImage, ShippedAppName>();

/**
 * The shipped app an image runs, when it is one of ShippedApps' images.
 * @internal
 */
export function shippedAppOf(image: unknown): ShippedAppName | undefined {
  return image instanceof ContainerImage ? shippedImages.get(image) : undefined;
}

/**
 * This package's root: the nearest folder above this file with a
 * package.json. The compiled file lives at `dist/constructs/apps/` in the
 * npm package and the source at `constructs/apps/` in the repository, so a
 * fixed `../..` would be wrong in one. Not found by the manifest's name: the
 * package is published under two (cdktf-docker-messaging, and
 * cdktn-docker-messaging built by flavours/cdktn/build.mjs).
 */
function packageRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "package.json"))) return dir;
    if (path.dirname(dir) === dir)
      throw new Error(`${PACKAGE_NAME}: no package.json above ${__dirname}: the package is incomplete, reinstall it`);
  }
}
