import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { TerraformStack, Testing } from "cdktf";
import { Image } from "@cdktf/provider-docker/lib/image";
import { DataDockerImage } from "@cdktf/provider-docker/lib/data-docker-image";
import { AppContainer, ContainerImage, DockerHost, Network, type BuildImageOptions } from "../../../constructs";
import { hashBuildContext } from "../../../constructs/private/build-context-hash";
import { container, newStack, problemMessages, resources, synth } from "../helpers";

function tempContext(files: Record<string, string>, prefix = "ctx-"): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

describe("ContainerImage", () => {
  test("fromRegistry keeps the image locally, and containers use its image_id", () => {
    const stack = newStack();
    new AppContainer(stack, "app", { image: ContainerImage.fromRegistry("rabbitmq:4.3-management") });
    const { text, json } = synth(stack);
    expect(text).toHaveResourceWithProperties(Image, { name: "rabbitmq:4.3-management", keep_locally: true });
    expect(container(json, "app-1").image).toMatch(/^\$\{docker_image\..*\.image_id\}$/);
  });

  test("fromRegistry with keepLocally: false lets destroy remove the image", () => {
    const stack = newStack();
    new AppContainer(stack, "app", { image: ContainerImage.fromRegistry("busybox:1.36", { keepLocally: false }) });
    expect(synth(stack).text).toHaveResourceWithProperties(Image, { name: "busybox:1.36", keep_locally: false });
  });

  test("images that destroy removes are removed one at a time (each depends on the one before); kept images stay parallel", () => {
    // The containerd image store fails a removal whose image list runs while another image is removed (container-image.ts ImagesScope).
    const a = tempContext({ Dockerfile: "FROM scratch\n" }, "a-");
    const b = tempContext({ Dockerfile: "FROM scratch\n" }, "b-");
    const stack = newStack();
    new AppContainer(stack, "kept", { image: ContainerImage.fromRegistry("rabbitmq:4.3-management") });
    new AppContainer(stack, "a", { image: ContainerImage.fromBuild(a, { name: "a" }) });
    new AppContainer(stack, "b", { image: ContainerImage.fromBuild(b, { name: "b" }) });
    new AppContainer(stack, "pulled", { image: ContainerImage.fromRegistry("busybox:1.36", { keepLocally: false }) });
    const declared = Object.entries(synth(stack).json.resource.docker_image as Record<string, { name: string; depends_on?: string[] }>);
    const dependsOn = Object.fromEntries(declared.map(([, image]) => [image.name.split(":")[0], image.depends_on ?? []]));
    const address = (repository: string) => `docker_image.${declared.find(([, image]) => image.name.startsWith(`${repository}:`))![0]}`;
    expect(dependsOn).toEqual({ rabbitmq: [], a: [], b: [address("a")], busybox: [address("b")] });
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
      triggers: { context_sha256: hash, build_options_sha256: '${sha256(jsonencode({"buildArgs" = {"A" = "1"}}))}' },
      build: { context: dir, build_args: { A: "1" } },
      lifecycle: { ignore_changes: ["build"] },
    });
  });

  test("fromBuild builds on the DockerHost's engine: the legacy builder only when host is not the engine $DOCKER_HOST names", () => {
    const dir = tempContext({ Dockerfile: "FROM scratch\n" });
    const build = (host: string | undefined) => {
      const stack = new TerraformStack(Testing.app(), "builds");
      new DockerHost(stack, "docker", host === undefined ? {} : { host });
      new AppContainer(stack, "app", { image: ContainerImage.fromBuild(dir) });
      return resources(synth(stack).json, "docker_image")[0].build;
    };
    const saved = process.env.DOCKER_HOST;
    try {
      process.env.DOCKER_HOST = "unix:///var/run/docker.sock";
      expect(build(undefined).use_legacy_builder).toBeUndefined();
      expect(build("unix:///var/run/docker.sock").use_legacy_builder).toBeUndefined();
      // The provider's BuildKit path would build on $DOCKER_HOST's engine, then pull the image it cannot find.
      expect(build("tcp://127.0.0.1:23760").use_legacy_builder).toBe(true);
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
    }
  });

  test("fromBuild rebuilds on what is built, never on where the folder is (a moved checkout, the other flavour's node_modules)", () => {
    // The provider replaces an image on any change to `build` (context is ForceNew): `build` is ignored after creation,
    // and the triggers carry the content and the build options, so a change to either still rebuilds.
    const imageOf = (dir: string, options: BuildImageOptions = {}) => {
      const stack = newStack();
      new AppContainer(stack, "app", { image: ContainerImage.fromBuild(dir, { name: "app", ...options }) });
      return resources(synth(stack).json, "docker_image")[0];
    };
    const files = { Dockerfile: "FROM scratch\n", "main.js": "1\n" };
    const here = imageOf(tempContext(files));
    const moved = imageOf(tempContext(files));
    expect(moved.build.context).not.toBe(here.build.context);
    expect(moved.lifecycle).toEqual({ ignore_changes: ["build"] });
    expect(moved.triggers).toEqual(here.triggers);
    expect(moved.name).toBe(here.name);
    expect(imageOf(tempContext({ ...files, "main.js": "2\n" })).triggers).not.toEqual(here.triggers);
    expect(imageOf(tempContext(files), { buildArgs: { A: "2" } }).triggers).not.toEqual(
      imageOf(tempContext(files), { buildArgs: { A: "1" } }).triggers,
    );
    expect(imageOf(tempContext(files), { dockerfile: "Dockerfile" }).triggers).not.toEqual(here.triggers);
  });

  test("fromBuild takes a name, a tag and a Dockerfile path", () => {
    const dir = tempContext({ "docker/app.Dockerfile": "FROM scratch\n" });
    const stack = newStack();
    new AppContainer(stack, "app", {
      image: ContainerImage.fromBuild(dir, {
        name: "ghcr.io/acme/app",
        tag: "1.2.3",
        dockerfile: "docker/app.Dockerfile",
        keepLocally: true,
      }),
    });
    expect(synth(stack).text).toHaveResourceWithProperties(Image, {
      name: "ghcr.io/acme/app:1.2.3",
      keep_locally: true,
      build: { context: dir, dockerfile: "docker/app.Dockerfile" },
    });
  });

  test("a folder name in capitals gives a lower-case image name", () => {
    const dir = tempContext({ Dockerfile: "FROM scratch\n" }, "Upper-Ctx-");
    const stack = newStack();
    new AppContainer(stack, "app", { image: ContainerImage.fromBuild(dir) });
    expect(resources(synth(stack).json, "docker_image")[0].name).toMatch(new RegExp(`^${path.basename(dir).toLowerCase()}:[0-9a-f]{12}$`));
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

  test("one ContainerImage used in two stacks is declared in each", () => {
    const image = ContainerImage.fromRegistry("busybox:1.36");
    const one = newStack("one");
    const two = newStack("two");
    new AppContainer(one, "app", { image });
    new AppContainer(two, "app", { image });
    expect(resources(synth(one).json, "docker_image")).toHaveLength(1);
    expect(resources(synth(two).json, "docker_image")).toHaveLength(1);
  });

  test("two distinct registry images never clash, even when their names differ only in characters an id cannot hold", () => {
    const stack = newStack();
    new AppContainer(stack, "a", { image: ContainerImage.fromRegistry("a/b:1") });
    new AppContainer(stack, "b", { image: ContainerImage.fromRegistry("a-b-1") });
    new AppContainer(stack, "c", { image: ContainerImage.fromRegistry("a.b:1") });
    new AppContainer(stack, "d", { image: ContainerImage.fromRegistry("a-b:1") });
    const { json } = synth(stack);
    expect(
      resources(json, "docker_image")
        .map((i) => i.name)
        .sort(),
    ).toEqual(["a-b-1", "a-b:1", "a.b:1", "a/b:1"]);
    expect(new Set(["a-1", "b-1", "c-1", "d-1"].map((name) => container(json, name).image)).size).toBe(4);
  });

  test("a registry image and a local image of the same name are two images", () => {
    const stack = newStack();
    new AppContainer(stack, "a", { image: ContainerImage.fromRegistry("tool:1") });
    new AppContainer(stack, "b", { image: ContainerImage.fromLocal("tool:1") });
    const { json } = synth(stack);
    expect(resources(json, "docker_image").map((i) => i.name)).toEqual(["tool:1"]);
    expect(Object.keys(json.data.docker_image)).toHaveLength(1);
  });
});

describe("ContainerImage: bad input", () => {
  const app = (image: () => ContainerImage) => (s: TerraformStack) => new AppContainer(s, "app", { image: image() });
  const withDockerfile = () => tempContext({ Dockerfile: "FROM scratch\n" });

  const rejects: [string, (s: TerraformStack) => unknown, RegExp][] = [
    [
      "rejects a build folder without a Dockerfile",
      app(() => ContainerImage.fromBuild(tempContext({ "README.md": "no Dockerfile" }))),
      /^test\/app: the image build folder has no Dockerfile, got ".*ctx-.*"\. Fix: pass ContainerImage\.fromBuild\(\) a folder that holds a Dockerfile/,
    ],
    [
      "rejects a build folder that does not exist",
      app(() => ContainerImage.fromBuild(path.join(os.tmpdir(), "no-such-folder-for-tests"))),
      /^test\/app: the image build folder has no Dockerfile, got ".*no-such-folder-for-tests"\. Fix: /,
    ],
    [
      "rejects a dockerfile option naming a missing file",
      app(() => ContainerImage.fromBuild(withDockerfile(), { dockerfile: "Nope.Dockerfile" })),
      /^test\/app: the image build folder has no Nope\.Dockerfile, got ".*"\. Fix: .*\(or set options\.dockerfile\)/,
    ],
    [
      "rejects a fromBuild name carrying a tag",
      app(() => ContainerImage.fromBuild(withDockerfile(), { name: "app:1" })),
      /^test\/app: fromBuild name is not a valid image reference: it may not carry a tag here \(set the tag option instead\), got "app:1"\. Fix: /,
    ],
    [
      "rejects a fromBuild name in capitals",
      app(() => ContainerImage.fromBuild(withDockerfile(), { name: "MyApp" })),
      /^test\/app: fromBuild name is not a valid image reference: it has upper case in "MyApp" .*, got "MyApp"\. Fix: use \[registry\/\]name/,
    ],
    [
      "rejects a folder name that is no image name",
      app(() => ContainerImage.fromBuild(tempContext({ Dockerfile: "FROM scratch\n" }, "bad..name-"))),
      /^test\/app: fromBuild folder name \(the default image name\) is not a valid image reference: it has an invalid name component "bad\.\.name-[a-z0-9]+" .*, got "bad\.\.name-[a-z0-9]+"\. Fix: /,
    ],
    [
      "rejects a fromBuild tag starting with '-'",
      app(() => ContainerImage.fromBuild(withDockerfile(), { tag: "-bad" })),
      /^test\/app: fromBuild tag is not a valid image tag, got "-bad"\. Fix: use letters, digits, '_', '\.' and '-'/,
    ],
    [
      "rejects an unknown fromBuild option",
      app(() => ContainerImage.fromBuild(withDockerfile(), { tags: "1" } as never)),
      /^test\/app: fromBuild options has no field "tags", got "tags"\. Fix: did you mean "tag"\?/,
    ],
    [
      "rejects an unknown fromRegistry option",
      app(() => ContainerImage.fromRegistry("busybox:1.36", { keepLocaly: true } as never)),
      /^test\/app: fromRegistry options has no field "keepLocaly", got "keepLocaly"\. Fix: did you mean "keepLocally"\?/,
    ],
    [
      "rejects a local image name in capitals",
      app(() => ContainerImage.fromLocal("My-Tool")),
      /^test\/app: image is not a valid image reference: it has upper case in "My-Tool" .*, got "My-Tool"\. Fix: /,
    ],
    [
      "rejects two different build folders under one image name",
      (s) => {
        new AppContainer(s, "a", { image: ContainerImage.fromBuild(withDockerfile(), { name: "same" }) });
        new AppContainer(s, "app", { image: ContainerImage.fromBuild(withDockerfile(), { name: "same" }) });
      },
      /^test\/app: two different images resolve to the same image construct, got "build .*"\. Fix: give each image its own name \(existing: build .*\)/,
    ],
    [
      "rejects one registry image with two keepLocally settings",
      (s) => {
        new AppContainer(s, "a", { image: ContainerImage.fromRegistry("busybox:1.36", { keepLocally: false }) });
        new AppContainer(s, "app", { image: ContainerImage.fromRegistry("busybox:1.36") });
      },
      /^test\/app: two different images resolve to the same image construct, got "registry busybox:1\.36 keepLocally=true"\. Fix: give each image its own name \(existing: registry busybox:1\.36 keepLocally=false\)/,
    ],
    [
      "rejects a construct named images at the stack root",
      (s) => {
        new Network(s, "images");
        new AppContainer(s, "app", { image: ContainerImage.fromRegistry("busybox:1.36") });
      },
      /^test: the construct id "images" is reserved for container images, got "test\/images"\. Fix: rename that construct/,
    ],
  ];

  test.each(rejects)("%s", (_name, build, message) => {
    const messages = problemMessages(build);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(message);
  });

  test("every bad-input row is named 'rejects ...'", () => {
    for (const [name] of rejects) expect(name).toMatch(/^rejects /);
  });
});
