/**
 * Every example stack (examples/*, the default stack among them, and the
 * compositions the unit tests use) through `terraform init` + `terraform
 * validate` with the real kreuzwerker/docker provider from the local mirror (toolchain/provider.sh,
 * TF_CLI_CONFIG_FILE): proves the JSON our constructs emit matches the schema
 * of the provider version the stacks require, not only the bindings' idea of it.
 */
import * as fs from "fs";
import * as path from "path";
import { App, Testing } from "cdktf";
import { exampleStacks } from "../support/example-stacks";
import { buildSwarmStack } from "../../examples/swarm/main";

jest.setTimeout(300_000); // terraform init per stack

beforeAll(() => {
  const config = process.env.TF_CLI_CONFIG_FILE;
  if (!config || !fs.existsSync(config)) {
    throw new Error("TF_CLI_CONFIG_FILE names no file: run `bash toolchain/setup.sh && . toolchain/env.sh` first");
  }
});

test("the example stacks are examples/* (single-host is messaging) and the ones the unit tests compose", () => {
  expect(exampleStacks.map((s) => s.name)).toEqual([
    "messaging",
    "orders-pipeline",
    "minimal-kafka",
    "cluster",
    "tls-own-certificates",
    "own-app-image",
  ]);
});

describe.each(exampleStacks)("example stack $name", ({ name, build }) => {
  test("is valid Terraform for the mirrored provider", () => {
    const app = Testing.app();
    const stack = build(app as App);
    const outdir = Testing.fullSynth(stack);
    expect(outdir).toBeValidTerraform();

    // The provider terraform resolved is the mirrored one the stack pins.
    const lock = fs.readFileSync(path.join(outdir, "stacks", name, ".terraform.lock.hcl"), "utf8");
    expect(lock).toMatch(/provider "registry\.(terraform\.io|opentofu\.org)\/kreuzwerker\/docker"[\s\S]*version\s*=\s*"4\.6\.0"/);
  });
});

test("rejects an attribute the mirrored provider does not know (the check is live)", () => {
  const app = Testing.app();
  const stack = exampleStacks.find((s) => s.name === "minimal-kafka")!.build(app as App);
  const broker = stack.node.findAll().find((c) => c.node.path.endsWith("kafka/container"));
  if (!broker) throw new Error("minimal-kafka has no kafka/container construct");
  (broker as unknown as { addOverride(path: string, value: unknown): void }).addOverride("cpus_typo", "1");
  expect(Testing.fullSynth(stack)).not.toBeValidTerraform();
});

test("the swarm example is valid Terraform for the mirrored provider (services, configs, secrets, registry images)", () => {
  const app = Testing.app();
  const stack = buildSwarmStack(app as App, "swarm", { manager: "tcp://127.0.0.1:23751" });
  const outdir = Testing.fullSynth(stack);
  expect(outdir).toBeValidTerraform();
});
