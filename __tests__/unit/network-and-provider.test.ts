import { TerraformStack, Testing } from "cdktf";
import { Network as DockerNetwork } from "@cdktf/provider-docker/lib/network";
import { DockerProvider } from "@cdktf/provider-docker/lib/provider";
import { DataVolume, DockerHost, DOCKER_PROVIDER_VERSION, Network } from "../../constructs";
import { newStack, resources, synth } from "./helpers";

describe("Network", () => {
  test("is a bridge network named after the construct, internal only when asked", () => {
    const stack = newStack();
    new Network(stack, "messaging", { labels: { tier: "backend" } });
    new Network(stack, "private", { name: "private-net", internal: true });
    const { text } = synth(stack);
    expect(text).toHaveResourceWithProperties(DockerNetwork, {
      name: "messaging",
      driver: "bridge",
      internal: false,
      labels: expect.arrayContaining([{ label: "tier", value: "backend" }]),
    });
    expect(text).toHaveResourceWithProperties(DockerNetwork, { name: "private-net", internal: true });
  });

  test("rejects an invalid network name", () => {
    expect(() => new Network(newStack(), "net", { name: "bad/name" })).toThrow(
      /test\/net: name is not a valid Docker name, got "bad\/name"\. Fix: use 1-128 characters/,
    );
  });
});

describe("DataVolume", () => {
  test("rejects an invalid volume name", () => {
    expect(() => new DataVolume(newStack(), "vol", { name: ".hidden" })).toThrow(/name is not a valid Docker name/);
  });

  test("is a docker_volume only when it is destroyed with the stack", () => {
    const stack = newStack();
    new DataVolume(stack, "kept", { name: "kept" });
    new DataVolume(stack, "gone", { name: "gone", removalPolicy: "destroy" });
    const { json } = synth(stack);
    expect(resources(json, "docker_volume").map((v) => v.name)).toEqual(["gone"]);
    expect(JSON.stringify(json)).not.toContain("prevent_destroy");
  });
});

describe("DockerHost", () => {
  const saved = process.env.DOCKER_HOST;
  afterEach(() => {
    if (saved === undefined) delete process.env.DOCKER_HOST;
    else process.env.DOCKER_HOST = saved;
  });

  function hostStack(): string {
    const stack = new TerraformStack(Testing.app(), "s");
    new DockerHost(stack, "docker");
    return Testing.synth(stack);
  }

  test("uses the local socket by default", () => {
    delete process.env.DOCKER_HOST;
    expect(hostStack()).toHaveProviderWithProperties(DockerProvider, { host: "unix:///var/run/docker.sock" });
  });

  test("DOCKER_HOST overrides the socket", () => {
    process.env.DOCKER_HOST = "tcp://10.0.0.5:2375";
    expect(hostStack()).toHaveProviderWithProperties(DockerProvider, { host: "tcp://10.0.0.5:2375" });
  });

  test("requires the provider version the mirror holds (4.6.0), not the bindings' 3.6.2", () => {
    const json = JSON.parse(hostStack());
    expect(DOCKER_PROVIDER_VERSION).toBe("4.6.0");
    expect(json.terraform.required_providers.docker).toEqual({ source: "kreuzwerker/docker", version: "4.6.0" });
  });
});
