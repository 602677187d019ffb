/**
 * The one place that imports the Docker provider bindings.
 *
 * Per-resource entry points, never the package barrel: loading the barrel
 * costs every resource's module at synth. The cdktn flavour
 * (flavours/cdktn/build.mjs) rewrites each `@cdktf/provider-docker/lib/<x>`
 * here to `./docker/<x>`, the bindings `cdktn get` generates from the same
 * provider version, shipped in that package; framework.ts is the other
 * file it rewrites.
 */
export { Container } from "@cdktf/provider-docker/lib/container";
export type {
  ContainerCapabilities,
  ContainerConfig,
  ContainerHealthcheck,
  ContainerLabels,
  ContainerNetworksAdvanced,
  ContainerPorts,
  ContainerUpload,
  ContainerVolumes,
} from "@cdktf/provider-docker/lib/container";
export { Image } from "@cdktf/provider-docker/lib/image";
export type { ImageBuild } from "@cdktf/provider-docker/lib/image";
export { DataDockerImage } from "@cdktf/provider-docker/lib/data-docker-image";
export { Network as DockerNetwork } from "@cdktf/provider-docker/lib/network";
export type { NetworkLabels } from "@cdktf/provider-docker/lib/network";
export { Volume as DockerVolume } from "@cdktf/provider-docker/lib/volume";
export type { VolumeLabels } from "@cdktf/provider-docker/lib/volume";
export { DockerProvider } from "@cdktf/provider-docker/lib/provider";
export { Service } from "@cdktf/provider-docker/lib/service";
export type { ServiceTaskSpecContainerSpecMounts } from "@cdktf/provider-docker/lib/service";
export { Config as DockerConfig } from "@cdktf/provider-docker/lib/config";
export { Secret as DockerSecret } from "@cdktf/provider-docker/lib/secret";
export { RegistryImage } from "@cdktf/provider-docker/lib/registry-image";
export { Tag as DockerTag } from "@cdktf/provider-docker/lib/tag";
