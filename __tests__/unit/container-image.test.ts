import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Image } from "@cdktf/provider-docker/lib/image";
import { DataDockerImage } from "@cdktf/provider-docker/lib/data-docker-image";
import { AppContainer, ContainerImage } from "../../constructs";
import { hashBuildContext } from "../../constructs/private/build-context-hash";
import { container, newStack, resources, synth } from "./helpers";

function tempContext(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ctx-"));
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

describe("ContainerImage", () => {
  test("fromRegistry keeps the image locally, and containers use its image_id", () => {
    const stack = newStack();
    new AppContainer(stack, "app", { image: ContainerImage.fromRegistry("rabbitmq:3.10-management") });
    const { text, json } = synth(stack);
    expect(text).toHaveResourceWithProperties(Image, { name: "rabbitmq:3.10-management", keep_locally: true });
    expect(container(json, "app-1").image).toMatch(/^\$\{docker_image\..*\.image_id\}$/);
  });

  test("fromLocal reads the image with the data source and never pulls", () => {
    const stack = newStack();
    new AppContainer(stack, "app", { image: ContainerImage.fromLocal("my-tool:1.0") });
    const { text, json } = synth(stack);
    expect(text).toHaveDataSourceWithProperties(DataDockerImage, { name: "my-tool:1.0" });
    expect(resources(json, "docker_image")).toHaveLength(0);
    expect(container(json, "app-1").image).toMatch(/^\$\{data\.docker_image\..*\.id\}$/);
  });

  test("fromBuild builds the folder with triggers = a hash of the context", () => {
    const dir = tempContext({ Dockerfile: "FROM scratch\n", "dist/main.js": "console.log(1)\n" });
    const stack = newStack();
    new AppContainer(stack, "app", { image: ContainerImage.fromBuild(dir, { buildArgs: { A: "1" } }) });
    const hash = hashBuildContext(dir);
    const { text } = synth(stack);
    expect(text).toHaveResourceWithProperties(Image, {
      name: `${path.basename(dir).toLowerCase()}:${hash.slice(0, 12)}`,
      keep_locally: false,
      triggers: { context_sha256: hash },
      build: { context: dir, build_args: { A: "1" } },
    });
  });

  test("the context hash is deterministic, follows content, and skips node_modules and .git", () => {
    const dir = tempContext({ Dockerfile: "FROM scratch\n", "src/a.ts": "a", "dist/main.js": "x" });
    const first = hashBuildContext(dir);
    expect(hashBuildContext(dir)).toBe(first);
    fs.mkdirSync(path.join(dir, "node_modules/pkg"), { recursive: true });
    fs.writeFileSync(path.join(dir, "node_modules/pkg/index.js"), "ignored");
    fs.mkdirSync(path.join(dir, ".git"));
    fs.writeFileSync(path.join(dir, ".git/HEAD"), "ignored");
    const now = new Date(Date.now() + 60_000);
    fs.utimesSync(path.join(dir, "src/a.ts"), now, now);
    expect(hashBuildContext(dir)).toBe(first);
    fs.writeFileSync(path.join(dir, "dist/main.js"), "y");
    expect(hashBuildContext(dir)).not.toBe(first);
    fs.writeFileSync(path.join(dir, "dist/main.js"), "x");
    fs.renameSync(path.join(dir, "src/a.ts"), path.join(dir, "src/b.ts"));
    expect(hashBuildContext(dir)).not.toBe(first);
  });

  test("one image per stack however many containers use it", () => {
    const dir = tempContext({ Dockerfile: "FROM scratch\n" });
    const stack = newStack();
    new AppContainer(stack, "a", { image: ContainerImage.fromBuild(dir) });
    new AppContainer(stack, "b", { image: ContainerImage.fromBuild(dir) });
    new AppContainer(stack, "c", { image: ContainerImage.fromRegistry("busybox:1.36") });
    new AppContainer(stack, "d", { image: ContainerImage.fromRegistry("busybox:1.36") });
    const { json } = synth(stack);
    expect(resources(json, "docker_image")).toHaveLength(2);
    expect(container(json, "a-1").image).toBe(container(json, "b-1").image);
  });

  test("rejects a build folder without a Dockerfile", () => {
    const dir = tempContext({ "README.md": "no Dockerfile" });
    expect(() => new AppContainer(newStack(), "app", { image: ContainerImage.fromBuild(dir) })).toThrow(
      /test\/app: the image build folder has no Dockerfile, got ".*ctx-.*"\. Fix: pass ContainerImage\.fromBuild\(\) a folder/,
    );
  });

  test("rejects two different build folders under one image name", () => {
    const one = tempContext({ Dockerfile: "FROM scratch\n" });
    const two = tempContext({ Dockerfile: "FROM scratch\n" });
    const stack = newStack();
    new AppContainer(stack, "a", { image: ContainerImage.fromBuild(one, { name: "same" }) });
    expect(() => new AppContainer(stack, "b", { image: ContainerImage.fromBuild(two, { name: "same" }) })).toThrow(
      /two different images resolve to the same image construct/,
    );
  });
});
