import { Annotations } from "../private/framework";
import { Construct } from "constructs";
import { swarmOf } from "../provider/swarm-target";
import { DockerVolume } from "../private/bindings";
import { labelList } from "../private/labels";
import { fail } from "../errors/problems";
import { checkDockerName, checkKnownKeys, checkLabels, checkOneOf, claimName, constructId } from "../private/validation";

/**
 * What `cdktf destroy` does to a data volume.
 *
 * - `"retain"`: the volume is not a Terraform resource. Docker creates it,
 *   empty, the first time a container mounts it by name; `cdktf destroy`
 *   removes the containers and leaves the volume and its data, and the next
 *   deploy mounts the same data again. Remove it by hand
 *   (`docker volume rm <name>`) to start fresh. Retained volumes carry no
 *   Terraform labels (Terraform does not manage them).
 * - `"destroy"`: the volume is a `docker_volume` resource, deleted with the
 *   stack (and only then: replacing the container keeps it).
 *
 * Neither uses `prevent_destroy`, which would make `cdktf destroy` fail.
 */
export type RemovalPolicy = "retain" | "destroy";

/** Props of a {@link DataVolume}. */
export interface DataVolumeProps {
  /** Name of the volume on the Docker host. */
  readonly name: string;
  /**
   * What `cdktf destroy` does to the volume and its data.
   * @default "retain"
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Labels of the volume (only when it is managed, `"destroy"`).
   * @default - none
   */
  readonly labels?: Record<string, string>;
}

/**
 * A named volume that holds a broker's data. It outlives its container: a
 * container replaced by a configuration change mounts the same data again.
 */
export class DataVolume extends Construct {
  /** The name to mount (a Token carrying the dependency when managed). */
  public readonly volumeName: string;
  /** What `cdktf destroy` does to the volume and its data. */
  public readonly removalPolicy: RemovalPolicy;
  /** The docker_volume resource, when the removal policy is `"destroy"`. */
  public readonly resource?: DockerVolume;

  constructor(scope: Construct, id: string, props: DataVolumeProps) {
    super(scope, constructId(scope, id, "DataVolume"));
    if (props === undefined || props === null || typeof props !== "object")
      fail(this, "DataVolumeProps are required", props, 'pass { name: "my-data" }');
    checkKnownKeys(this, "DataVolumeProps", props, { name: true, removalPolicy: true, labels: true } satisfies Record<
      keyof DataVolumeProps,
      true
    >);
    checkOneOf(this, "removalPolicy", props.removalPolicy, ["retain", "destroy"]);
    checkLabels(this, "labels", props.labels);
    if (checkDockerName(this, "name", props.name, "volume")) {
      claimName(this, "volume", props.name, "give each broker its own name (its volume is <name>-data)");
    }
    this.removalPolicy = props.removalPolicy ?? "retain";
    if (swarmOf(this) !== undefined) {
      // A docker_volume acts on the manager only: on a Swarm the node that
      // runs the task creates the volume when it mounts it, and keeps it.
      if (this.removalPolicy === "destroy") {
        Annotations.of(this).addWarning(
          `volume ${props.name}: on a Swarm, data volumes live on the Swarm nodes and are kept on destroy (docker volume rm on the node removes one)`,
        );
      }
      this.volumeName = props.name;
    } else if (this.removalPolicy === "destroy") {
      this.resource = new DockerVolume(this, "volume", {
        name: props.name,
        labels: labelList(props.labels ?? {}),
      });
      this.volumeName = this.resource.name;
      this.node.defaultChild = this.resource;
    } else {
      this.volumeName = props.name;
    }
  }
}
