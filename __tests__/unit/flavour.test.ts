/**
 * The framework this run is on (jest.config.js: `unit` on cdktf, `unit-cdktn`
 * on cdktn with the generated bindings) is the one the library, the tests and
 * the bindings load: one copy of each, so the rest of the suite proves the
 * flavour it names.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { Container } from "@cdktf/provider-docker/lib/container";
import { DockerHost, Network } from "../../constructs";
import { TerraformStack as LibraryStack } from "../../constructs/private/framework";
import { Container as LibraryContainer } from "../../constructs/private/bindings";

declare const FRAMEWORK: "cdktf" | "cdktn";

test("the framework, its constructs and the Docker bindings are the flavour's, one copy each", () => {
  expect(["cdktf", "cdktn"]).toContain(FRAMEWORK);
  expect(JSON.parse(fs.readFileSync(require.resolve("cdktf/package.json"), "utf8")).name).toBe(FRAMEWORK);
  expect(LibraryStack).toBe(TerraformStack);
  expect(LibraryContainer).toBe(Container);
  // The bindings extend the framework's resource class, and their constructs are the framework's.
  expect(require.resolve("@cdktf/provider-docker/lib/container")).toMatch(
    FRAMEWORK === "cdktn"
      ? /flavours\/cdktn\/generated\/providers\/docker\/container\//
      : /node_modules\/@cdktf\/provider-docker\/lib\/container\//,
  );
  expect(require.resolve("constructs")).toMatch(FRAMEWORK === "cdktn" ? /flavours\/cdktn\/node_modules\/constructs\// : /^(?!.*flavours)/);
});

test("a stack synthesized here is stamped by the flavour's framework and holds the flavour's resources", () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "flavour-"));
  const app = new App({ outdir: out, stackTraces: false });
  const stack = new TerraformStack(app, "flavour");
  new DockerHost(stack, "docker");
  new Network(stack, "net", { name: "flavour" });
  expect(stack).toBeInstanceOf(Construct);
  expect(stack.node.scope).toBeInstanceOf(App);
  app.synth();
  const json = JSON.parse(fs.readFileSync(path.join(out, "stacks", "flavour", "cdk.tf.json"), "utf8"));
  const framework = JSON.parse(fs.readFileSync(require.resolve("cdktf/package.json"), "utf8"));
  expect(json["//"].metadata.version).toBe(framework.version);
  expect(Object.values<any>(json.resource.docker_network).map((n) => n.name)).toEqual(["flavour"]);
  fs.rmSync(out, { recursive: true, force: true });
});
