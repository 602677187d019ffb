import * as fs from "fs";
import * as path from "path";
import { dependable, Fn, TerraformStack } from "../private/framework";
import { Construct, type IConstruct } from "constructs";
import { DataDockerImage, Image, RegistryImage as DockerRegistryImage } from "../private/bindings";
import { deployTargetOf, swarmOf } from "../provider/swarm-target";
import { hashBuildContext } from "../private/build-context-hash";
import { report } from "../errors/problems";
import { showValue } from "../errors/messaging-error";
import { checkKnownKeys, stringValueFix } from "../private/validation";
import { dockerfileFolders, missingDockerfileSources, readDockerfile } from "./dockerfile-sources";
import { checkImageReference, checkImageTag } from "./image-reference";
import { sha256, textOf } from "../private/terraform-text";

/**
 * The factories are static, with no construct to report to: what a
 * JavaScript caller passed is kept as given and reported when the image is
 * bound to a construct; a null or non-object options becomes `{}` meanwhile.
 */
function optionsOrEmpty<T extends object>(given: T | null | undefined): T {
  return given !== null && typeof given === "object" && !Array.isArray(given) ? given : ({} as T);
}

/** Reports an image name or folder that is not a string; returns whether it is one. */
function checkImageText(consumer: IConstruct, field: string, value: unknown, fix: string): boolean {
  if (typeof value === "string") return true;
  report(consumer, `${field} must be a string`, value, fix);
  return false;
}

/** Options of {@link ContainerImage.fromRegistry}. */
export interface RegistryImageOptions {
  /**
   * Keep the image on the host when the stack is destroyed. With `false` the
   * next deploy must pull it again, which an offline host cannot do.
   * @default true
   */
  readonly keepLocally?: boolean;
}

/** Options of {@link ContainerImage.fromBuild}. */
export interface BuildImageOptions {
  /**
   * Repository part of the image name.
   * @default - the folder's base name
   */
  readonly name?: string;
  /**
   * Tag of the built image.
   * @default - the first 12 hex digits of the build context hash
   */
  readonly tag?: string;
  /**
   * Dockerfile path, relative to the folder.
   * @default "Dockerfile"
   */
  readonly dockerfile?: string;
  /**
   * Build arguments (`--build-arg`).
   * @default - none
   */
  readonly buildArgs?: Record<string, string>;
  /**
   * Keep the image on the host when the stack is destroyed or the image is
   * rebuilt. Set it when several stacks on one host build the same folder:
   * otherwise destroying one removes the image the other runs.
   * @default false - built images are removed with the stack, as they can be rebuilt offline (kept on a Swarm: the manager only builds them)
   */
  readonly keepLocally?: boolean;
}

const REGISTRY_OPTIONS: Record<keyof RegistryImageOptions, true> = { keepLocally: true };
const BUILD_OPTIONS: Record<keyof BuildImageOptions, true> = {
  name: true,
  tag: true,
  dockerfile: true,
  buildArgs: true,
  keepLocally: true,
};

/** An image bound into a stack: what a docker_container needs. */
export interface BoundImage {
  /** The image ID (`sha256:...`) for `docker_container.image`. */
  readonly imageId: string;
  /** The image name (`repo:tag`), for humans and for the tag checks. */
  readonly imageName: string;
  /**
   * How a Swarm service names the image, which every Swarm node pulls or
   * finds by that name: a built image's pushed `registry/repo:tag@sha256:...`
   * (by digest: Swarm pins a digest into the spec, and a tag alone would
   * show as a change on every plan).
   * @default - imageName
   */
  readonly serviceImage?: string;
  /**
   * The folders a built image's Dockerfile puts files into (its WORKDIR and
   * COPY/ADD destinations), which a tmpfs must not hide.
   * @default - none known (an image from a registry)
   */
  readonly imageFolders?: readonly string[];
}

/**
 * Where a container's image comes from. Pick one with a static factory:
 * `fromRegistry` (pulled when missing), `fromLocal` (already on the host,
 * never pulled) or `fromBuild` (built from a folder with a Dockerfile).
 *
 * An image is declared once a stack however many containers use it: two
 * containers on the same image share one docker_image, so destroying one
 * never deletes the other's image.
 */
export abstract class ContainerImage {
  /**
   * An image from a registry, such as an official image (`rabbitmq:4.3-management`).
   * The provider looks for it on the host first and pulls only when it is missing.
   */
  public static fromRegistry(name: string, options: RegistryImageOptions = {}): ContainerImage {
    return new RegistryImage(name, options);
  }

  /**
   * An image that is already on the Docker host (built or loaded out of
   * band). It is read with the `docker_image` data source, which never pulls:
   * planning fails with `did not find docker image` when it is missing.
   */
  public static fromLocal(name: string): ContainerImage {
    return new LocalImage(name);
  }

  /**
   * An image built from a folder holding a Dockerfile. The build's
   * `triggers` hold a hash of every file in the folder (node_modules and .git
   * skipped), so a source change rebuilds the image and nothing else does.
   */
  public static fromBuild(directory: string, options: BuildImageOptions = {}): ContainerImage {
    return new BuiltImage(directory, options);
  }

  /**
   * @internal A build whose missing sources have a known fix (the shipped
   * apps: their bundles), said in the synth error instead of the generic one.
   */
  public static fromBuildWithFix(directory: string, options: BuildImageOptions, missingSourceFix: string): ContainerImage {
    return new BuiltImage(directory, options, missingSourceFix);
  }

  /** Construct id of the image under the stack's `images` scope; stable across deploys. */
  protected abstract readonly constructId: string;

  /**
   * Declares the image in `consumer`'s stack (once a stack) and returns
   * what a container needs. Errors name `consumer`'s path.
   */
  public bind(consumer: IConstruct): BoundImage {
    const images = imagesScope(consumer);
    const existing = images.node.tryFindChild(this.constructId);
    if (existing) {
      const bound = (existing as BoundImageHolder).bound;
      const fresh = this.describe();
      const distinct = bound !== undefined && bound.key !== fresh ? this.distinctlyNamed() : undefined;
      if (distinct) return distinct.bind(consumer);
      if (bound === undefined || bound.key !== fresh) {
        report(
          consumer,
          "two different images resolve to the same image construct",
          fresh,
          `give each image its own name (existing: ${bound?.key})`,
        );
      }
      if (bound) return bound.image;
    }
    const holder = new BoundImageHolder(images, this.constructId);
    holder.bound = { key: this.describe(), image: this.declare(holder, consumer) };
    return holder.bound.image;
  }

  /** Identity of the image, used to detect two sources sharing one construct id. */
  protected abstract describe(): string;

  /**
   * The same image under a name of its own, when its name was only a default
   * that another image already took (two build folders with one base name).
   */
  protected distinctlyNamed(): ContainerImage | undefined {
    return undefined;
  }

  /** Creates the Terraform element under `scope`. */
  protected abstract declare(scope: Construct, consumer: IConstruct): BoundImage;
}

class BoundImageHolder extends Construct {
  public bound?: { key: string; image: BoundImage };
}

const IMAGES_ID = "images";

function imagesScope(consumer: IConstruct): Construct {
  const stack = TerraformStack.of(consumer);
  const found = stack.node.tryFindChild(IMAGES_ID);
  if (found instanceof ImagesScope) return found;
  if (found) {
    report(stack, `the construct id "${IMAGES_ID}" is reserved for container images`, found.node.path, "rename that construct");
    return found as Construct;
  }
  return new ImagesScope(stack, IMAGES_ID);
}

/**
 * The stack's images. Those that destroy removes from the engine are removed
 * one at a time: each depends on the one declared before it.
 *
 * kreuzwerker/docker 4.6.0 lists every image on the engine before it removes
 * one (resource_docker_image_funcs.go: removeImage -> fetchLocalImages ->
 * ImageList), and on the containerd image store (Docker 29's default) that
 * list fails while another image's content is being removed: "Unable to
 * remove Docker image: unable to list Docker images: Error response from
 * daemon: NotFound: content digest sha256:...: not found" (measured on
 * Docker 28.5.2 with the containerd snapshotter: a stack's producer and
 * consumer images, removed in parallel by `terraform destroy`, failed the
 * destroy once in a few runs). Terraform removes resources in parallel unless
 * one depends on another, so a chain makes it one removal at a time, on
 * either store. Its cost: those images are also built one after another
 * (their cached layers are shared, so the second build is mostly cache).
 * Images kept on the engine (keepLocally) never list at removal, and stay
 * out of the chain: their pulls run in parallel.
 */
class ImagesScope extends Construct {
  private lastRemoved?: Image;

  /** Makes `image` depend on the removed image declared before it (the first depends on none). */
  public chainRemoval(image: Image): void {
    if (this.lastRemoved) image.dependsOn = [dependable(this.lastRemoved)];
    this.lastRemoved = image;
  }
}

/** Declared under an image's holder (bind), whose scope is the stack's ImagesScope. */
function removedOneAtATime(holder: Construct, image: Image): void {
  const images = holder.node.scope;
  if (images instanceof ImagesScope) images.chainRemoval(image);
}

/**
 * A construct id for an image name. Characters an id cannot hold become
 * '-', and then a short hash of the full name keeps two names apart that
 * differ only there (`a/b:1` and `a-b-1`).
 */
function idFor(prefix: string, name: string): string {
  const safe = textOf(name).replace(/[^A-Za-z0-9_-]+/g, "-");
  return safe === name ? `${prefix}-${safe}` : `${prefix}-${safe}-${sha256(textOf(name), 8)}`;
}

class RegistryImage extends ContainerImage {
  protected readonly constructId: string;

  private readonly options: RegistryImageOptions;

  constructor(
    private readonly name: string,
    private readonly givenOptions: RegistryImageOptions | undefined,
  ) {
    super();
    this.options = optionsOrEmpty(givenOptions);
    this.constructId = idFor("registry", name);
  }

  protected describe(): string {
    return `registry ${textOf(this.name)} keepLocally=${textOf(this.options.keepLocally ?? true)}`;
  }

  protected declare(scope: Construct, consumer: IConstruct): BoundImage {
    checkImageReference(consumer, "image", this.name);
    checkKnownKeys(consumer, "fromRegistry options", this.givenOptions, REGISTRY_OPTIONS);
    const keepLocally = this.options.keepLocally ?? true;
    const image = new Image(scope, "image", {
      name: this.name,
      keepLocally,
    });
    if (!keepLocally) removedOneAtATime(scope, image);
    return { imageId: image.imageId, imageName: this.name };
  }
}

class LocalImage extends ContainerImage {
  protected readonly constructId: string;

  constructor(private readonly name: string) {
    super();
    this.constructId = idFor("local", name);
  }

  protected describe(): string {
    return `local ${textOf(this.name)}`;
  }

  protected declare(scope: Construct, consumer: IConstruct): BoundImage {
    checkImageReference(consumer, "image", this.name);
    const image = new DataDockerImage(scope, "image", { name: this.name });
    return { imageId: image.id, imageName: this.name };
  }
}

class BuiltImage extends ContainerImage {
  protected readonly constructId: string;
  private readonly repository: string;
  private readonly directory: string;
  private readonly options: BuildImageOptions;

  constructor(
    private readonly givenDirectory: string,
    private readonly givenOptions: BuildImageOptions | undefined,
    private readonly missingSourceFix?: string,
  ) {
    super();
    this.directory = path.resolve(typeof givenDirectory === "string" ? givenDirectory : "(not a folder)");
    this.options = optionsOrEmpty(givenOptions);
    this.repository = this.options.name ?? path.basename(this.directory).toLowerCase();
    this.constructId = idFor("build", this.repository);
  }

  /** `<folder>-<hash of its path>`: two folders named alike (`services/a/app`, `services/b/app`) are two images. */
  protected distinctlyNamed(): ContainerImage | undefined {
    if (this.options.name !== undefined || typeof this.givenDirectory !== "string") return undefined;
    const name = `${path.basename(this.directory).toLowerCase()}-${sha256(this.directory, 8)}`;
    return new BuiltImage(this.givenDirectory, { ...this.options, name }, this.missingSourceFix);
  }

  protected describe(): string {
    let options: string;
    try {
      options = JSON.stringify(this.options);
    } catch {
      options = showValue(this.options); // a circular value, reported when bound
    }
    return `build ${this.directory} ${options}`;
  }

  protected declare(scope: Construct, consumer: IConstruct): BoundImage {
    checkImageText(consumer, "ContainerImage.fromBuild folder", this.givenDirectory, "pass the path of a folder holding a Dockerfile");
    checkKnownKeys(consumer, "fromBuild options", this.givenOptions, BUILD_OPTIONS);
    checkImageReference(
      consumer,
      this.options.name !== undefined ? "fromBuild name" : "fromBuild folder name (the default image name)",
      this.repository,
      { tagAllowed: false },
    );
    if (this.options.tag !== undefined) checkImageTag(consumer, "fromBuild tag", this.options.tag);
    const buildArgs: unknown = this.options.buildArgs;
    if (buildArgs !== undefined && (buildArgs === null || typeof buildArgs !== "object" || Array.isArray(buildArgs)))
      report(
        consumer,
        "fromBuild buildArgs must be an object of names to string values",
        buildArgs,
        'pass e.g. { NODE_ENV: "production" }',
      );
    for (const [name, value] of Object.entries(buildArgs ?? {})) {
      if (typeof value !== "string") report(consumer, `fromBuild buildArgs.${name} must be a string`, value, stringValueFix(value));
    }
    if (this.options.dockerfile !== undefined && typeof this.options.dockerfile !== "string") {
      report(
        consumer,
        "fromBuild dockerfile must be a string",
        this.options.dockerfile,
        'pass a file name in the folder, e.g. "Dockerfile.prod"',
      );
      return { imageId: "invalid", imageName: "invalid" };
    }
    const dockerfile = this.options.dockerfile ?? "Dockerfile";
    if (!fs.existsSync(path.join(this.directory, dockerfile))) {
      report(
        consumer,
        `the image build folder has no ${dockerfile}`,
        this.directory,
        "pass ContainerImage.fromBuild() a folder that holds a Dockerfile (or set options.dockerfile)",
      );
    }
    const dockerfileText = readDockerfile(this.directory, dockerfile);
    for (const source of missingDockerfileSources(this.directory, dockerfileText)) {
      report(
        consumer,
        `the ${dockerfile} in the image build folder copies "${source}", which is not in that folder (the build would fail at deploy)`,
        this.directory,
        this.missingSourceFix ?? `create "${source}" before synth (build it, e.g. bundle the app), or correct the COPY/ADD line`,
      );
    }
    const contextHash = fs.existsSync(this.directory) ? hashBuildContext(this.directory) : sha256(`missing ${this.directory}`);
    const swarm = swarmOf(consumer);
    if (swarm && swarm.registry === undefined) {
      report(
        consumer,
        "a built image on a Swarm needs a registry: the Swarm's nodes pull it from there",
        this.directory,
        'set swarm.registry on the DockerHost (e.g. "registry.internal:5000"), or use ContainerImage.fromRegistry with an image the nodes can pull',
      );
    }
    // On a Swarm the image is named in the registry (built on the manager, then pushed).
    const repository = swarm?.registry !== undefined ? `${swarm.registry}/${this.repository}` : this.repository;
    const imageName = `${repository}:${this.options.tag ?? contextHash.slice(0, 12)}`;
    const buildOptions = {
      ...(this.options.dockerfile ? { dockerfile: this.options.dockerfile } : {}),
      ...(this.options.buildArgs ? { buildArgs: this.options.buildArgs } : {}),
    };
    const keepLocally = this.options.keepLocally ?? swarm !== undefined;
    const image = new Image(scope, "image", {
      name: imageName,
      // On a Swarm the manager's copy is only the build's result (tasks run the
      // pushed digest), and an exited task's container still holding it
      // refuses its removal at destroy ("conflict: unable to remove
      // repository reference", measured): it is kept.
      keepLocally,
      // What is built decides a rebuild, never where the folder is: the
      // provider makes every field of `build` ForceNew (kreuzwerker/docker
      // 4.6.0, resource_docker_image.go: `build` a TypeSet, `context`
      // ForceNew), so a project checked out or moved to another path, or
      // moved between this package's flavours (node_modules/cdktf-docker-messaging
      // -> node_modules/cdktn-docker-messaging), would replace every built
      // image and the containers on it. `build` is ignored after creation (a
      // set: its fields cannot be named one by one) and the triggers carry
      // what it builds from: the folder's content and, when set, the
      // Dockerfile's name and the build arguments.
      triggers: {
        context_sha256: contextHash,
        // Hashed by Terraform (jsonencode sorts the keys; an argument may be a reference known only at plan).
        ...(Object.keys(buildOptions).length ? { build_options_sha256: Fn.sha256(Fn.jsonencode(buildOptions)) } : {}),
      },
      lifecycle: { ignoreChanges: ["build"] },
      buildAttribute: { context: this.directory, ...buildOptions },
    });
    if (!keepLocally) removedOneAtATime(scope, image);
    const imageFolders = dockerfileFolders(dockerfileText);
    // kreuzwerker/docker 4.6.0 builds with BuildKit through an embedded
    // Docker CLI, on the engine $DOCKER_HOST names, not on the provider's
    // host (resource_docker_image_funcs.go buildImage -> docker_cli.go), and
    // then tries to pull the image it did not find there (measured on the
    // test Swarm's manager, and on an engine given as DockerHost host with
    // $DOCKER_HOST naming the machine's). The legacy builder builds on the
    // provider's host (on the classic and the containerd image store alike).
    // Only where the two differ: BuildKit-only Dockerfile syntax keeps
    // working on the usual single engine.
    if (swarm?.registry !== undefined || deployTargetOf(consumer)?.hostIsNotDockerHostEnv) {
      image.addOverride("build.use_legacy_builder", true);
    }
    if (swarm?.registry === undefined) return { imageId: image.imageId, imageName, imageFolders };
    // Pushed through the manager's engine; the digest read back is what services run.
    const pushed = new DockerRegistryImage(scope, "pushed", {
      name: image.name,
      keepRemotely: true,
      triggers: { context_sha256: contextHash },
    });
    return { imageId: image.imageId, imageName, serviceImage: `${imageName}@${pushed.sha256Digest}`, imageFolders };
  }
}
