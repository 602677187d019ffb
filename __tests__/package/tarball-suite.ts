/**
 * The package as a user gets it, in either flavour: the tarball, installed
 * into a fresh `cdktf init` / `cdktn init --template=typescript` project
 * (the provider from the local mirror, no Terraform registry), with a stack
 * of the project's own that composes the own-app-image example: the
 * package's kafka-producer (ShippedApps) and an app built from the
 * project's own Dockerfile. The project's own Jest test runs the testing
 * entry point on it; it is deployed on the local engine with the flavour's
 * CLI, the messages are counted by the project's app, the package's two
 * commands run on it, a second plan is empty, and destroy leaves nothing.
 *
 * The cdktn flavour is the same example file with the one import change a
 * user makes (`from "cdktf"` -> `from "cdktn"`, the package's name).
 *
 * The steps build on each other and run in file order.
 */
import { spawn } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DefaultImages } from "../../constructs";
import { repoRoot, run, waitFor } from "../support/commands";
import { containersLabelled, networksLabelled, volumesLabelled } from "../support/docker";

/** What differs between the two published flavours. */
export interface TarballFlavour {
  /** The framework's package and CLI name. */
  readonly framework: "cdktf" | "cdktn";
  /** The stack's name and prefix: its containers' names and its TF_VAR_ names. */
  readonly stack: string;
  /** The package's folder (its package.json) and how its tarball is made in `work`. */
  readonly packageDir: string;
  readonly pack: (work: string) => void;
  /** The CLI as a user has it installed (neither template adds the CLI to the project). */
  readonly cli: string;
  /** Prepended to PATH for every command in the project (the CLI's Node), or "". */
  readonly nodeBin: string;
  /** Packages the user installs with the tarball. */
  readonly alongside: string[];
  /** The peers the project holds once, never the package. */
  readonly peers: string[];
  /** Files the tarball must hold beyond the common ones. */
  readonly extraFiles: string[];
  /** A module of the package beyond the library and /testing that a project imports (its export), if any. */
  readonly extraImport?: { readonly module: string; readonly name: string };
}

/** A flavour's tarball, made in `work`: its path, `npm pack`'s listing of it and the manifest it was made from. */
interface PackedFlavour {
  readonly tarball: string;
  readonly listing: { filename: string; name: string; unpackedSize: number; files: { path: string }[] };
  readonly manifest: any;
}

function packFlavour(flavour: TarballFlavour, work: string): PackedFlavour {
  flavour.pack(work);
  const dryRun = run("npm", ["pack", "--json", "--dry-run", "--ignore-scripts"], { cwd: flavour.packageDir });
  const [listing] = JSON.parse(dryRun.stdout.slice(dryRun.stdout.indexOf("[")));
  const manifest = JSON.parse(fs.readFileSync(path.join(flavour.packageDir, "package.json"), "utf8"));
  return { tarball: path.join(work, listing.filename), listing, manifest };
}

const MESSAGES = 300;
const example = path.join(repoRoot, "examples", "own-app-image");

export interface TarballSuiteOptions {
  /** Once deployed, move the project to this flavour as the README says, and plan: nothing changes. */
  readonly migrateTo?: TarballFlavour;
}

export function tarballSuite(flavour: TarballFlavour, options: TarballSuiteOptions = {}): void {
  const { framework, stack: STACK } = flavour;
  /** The flavour the project is on: `flavour`, then `options.migrateTo` once moved. */
  let current = flavour;
  const stackLabel = `cdktf-docker-messaging.stack=${STACK}`;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `${framework}-messaging-tarball-`));
  const project = path.join(work, "fresh-project");
  let packed: PackedFlavour | undefined;
  const made = () => {
    if (!packed) throw new Error("the tarball was not made (see the first test)");
    return packed;
  };
  const manifest = () => made().manifest;
  // Fresh secrets, given the way a user gives them.
  const credentials = {
    [`TF_VAR_${STACK}_kafka_admin_password`]: randomBytes(18).toString("base64url"),
    [`TF_VAR_${STACK}_kafka_credentials_key`]: randomBytes(24).toString("base64url"),
  };
  // The CLIs read every CDKTF_* variable as an option of their own (yargs'
  // env prefix), and `init` fails on one it does not know (toolchain/env.sh
  // sets none): a user's fresh shell has none either.
  for (const name of Object.keys(process.env)) if (/^CDKT[FN]_/.test(name)) delete process.env[name];
  const terraformBinary = process.env.TERRAFORM_BINARY_NAME || "terraform";
  const projectEnv = (extra: Record<string, string> = {}) => ({
    CHECKPOINT_DISABLE: "1",
    ...(current.nodeBin ? { PATH: `${current.nodeBin}:${process.env.PATH}` } : {}),
    ...extra,
  });
  const inProject = (
    command: string,
    args: string[],
    extra: { env?: Record<string, string>; timeoutSeconds?: number; okCodes?: number[] } = {},
  ) =>
    run(command, args, { cwd: project, env: projectEnv(extra.env), timeoutSeconds: extra.timeoutSeconds ?? 300, okCodes: extra.okCodes });

  let deployed = false;

  afterAll(() => {
    // A failed run leaves nothing behind: destroy what may have been deployed.
    if (deployed) inProject(current.cli, ["destroy", "--auto-approve", "--skip-provider-lock"], { env: credentials, okCodes: [0, 1] });
    fs.rmSync(work, { recursive: true, force: true });
  });

  test(`the ${framework} tarball holds the library, the apps' bundles and Dockerfiles and the toolchain, and no sources, tests or benchmarks`, () => {
    packed = packFlavour(flavour, work);
    const { listing: info, tarball } = packed;
    expect(fs.existsSync(tarball)).toBe(true);
    const packedFiles: string[] = info.files.map((f: { path: string }) => f.path).sort();
    console.log(
      `tarball ${info.filename}: ${fs.statSync(tarball).size} bytes packed, ${info.unpackedSize} unpacked, ${packedFiles.length} files`,
    );

    for (const app of ["rabbitmq-producer", "rabbitmq-consumer", "kafka-producer", "kafka-consumer"]) {
      expect(packedFiles).toEqual(
        expect.arrayContaining([`apps/${app}/Dockerfile`, `apps/${app}/.dockerignore`, `apps/${app}/dist/main.js`]),
      );
    }
    expect(packedFiles).toEqual(
      expect.arrayContaining([
        "dist/constructs/index.js",
        "dist/constructs/index.d.ts",
        "dist/constructs/testing/index.js",
        "dist/constructs/cli/setup.js",
        "dist/constructs/cli/images.js",
        "toolchain/setup.sh",
        "toolchain/images.sh",
        "toolchain/env.sh",
        "toolchain/provider.sh",
        "README.md",
        "package.json",
        ...flavour.extraFiles,
      ]),
    );
    const unwanted = packedFiles.filter(
      (f) =>
        /^(bench|__tests__|examples|constructs|flavours)\/|^dist\/(bench|__tests__|apps|examples|main)|^apps\/[^/]+\/src\/|\.test\.|^apps\/bundle\.mjs$/.test(
          f,
        ) ||
        (f.endsWith(".ts") && !f.endsWith(".d.ts")),
    );
    expect(unwanted).toEqual([]);
    // Every bin the package declares is in it.
    for (const bin of Object.values<string>(manifest().bin)) expect(packedFiles).toContain(bin);
  });

  test(`a fresh \`${framework} init\` project installs it with the peer dependencies once`, () => {
    fs.mkdirSync(project);
    const init = inProject(flavour.cli, [
      "init",
      "--template=typescript",
      "--local",
      "--project-name",
      STACK,
      "--project-description",
      "the tarball phase",
      "--enable-crash-reporting=false",
    ]);
    const template = JSON.parse(fs.readFileSync(path.join(project, "package.json"), "utf8"));
    // `cdktf init` writes TypeScript 7, which ts-jest and ts-node refuse: pin 5.9, as the README says. cdktn's template has 5.9.
    const pin = /^\^?5\./.test(template.devDependencies.typescript)
      ? undefined
      : inProject("npm", ["install", "--no-audit", "--no-fund", "--save-dev", "typescript@~5.9"]);
    const install = inProject("npm", ["install", "--no-audit", "--no-fund", made().tarball, ...flavour.alongside]);
    console.log(
      `${framework} init ${init.seconds.toFixed(1)} s, typescript pin ${pin ? `${pin.seconds.toFixed(1)} s` : "not needed"}, ` +
        `npm install of the tarball ${install.seconds.toFixed(1)} s`,
    );

    // One copy of each peer: the package brings none of its own.
    const installed = path.join(project, "node_modules", manifest().name);
    for (const peer of flavour.peers) {
      expect(fs.existsSync(path.join(project, "node_modules", peer))).toBe(true);
      expect(fs.existsSync(path.join(installed, "node_modules", peer))).toBe(false);
    }
    expect(fs.existsSync(path.join(installed, "apps", "kafka-producer", "dist", "main.js"))).toBe(true);

    // The project's own stack: the example's file as a user copies it (on cdktn with the one import change), and its app folder.
    const source = fs.readFileSync(path.join(example, "main.ts"), "utf8");
    const copied = source
      .replace(/from "cdktf"/g, `from "${framework}"`)
      .replace(/from "cdktf-docker-messaging"/g, `from "${manifest().name}"`);
    expect(copied.split("\n").filter((line, i) => line !== source.split("\n")[i]).length).toBe(framework === "cdktf" ? 0 : 2);
    fs.writeFileSync(path.join(project, "own-app-image.ts"), copied);
    fs.cpSync(path.join(example, "clicks-counter"), path.join(project, "clicks-counter"), { recursive: true });
    fs.writeFileSync(
      path.join(project, "main.ts"),
      [
        `import { App } from "${framework}";`,
        `import { runSynth } from "${manifest().name}";`,
        'import { buildOwnAppImageStack } from "./own-app-image";',
        "",
        "runSynth(() => {",
        "  const app = new App();",
        `  buildOwnAppImageStack(app, "${STACK}", { prefix: "${STACK}", messages: ${MESSAGES} });`,
        "  app.synth();",
        "});",
        "",
      ].join("\n"),
    );
    if (flavour.extraImport) {
      const { module, name } = flavour.extraImport;
      // Typed (typesVersions, for the template's module resolution) and found at run time (exports).
      fs.writeFileSync(path.join(project, "extra-import.ts"), `export { ${name} } from "${module}";\n`);
      inProject("node", ["-e", `if (typeof require(${JSON.stringify(module)}).${name} !== "function") process.exit(1)`]);
    }
    inProject("npx", ["tsc", "--noEmit", "-p", "."]);
  });

  test("the project's own Jest test runs the testing entry point on its stack (the template's runner, ts-jest)", () => {
    // The template's test of its own empty stack gives way to one of the project's stack, as docs/testing-your-stacks.md shows.
    fs.rmSync(path.join(project, "__tests__"), { recursive: true, force: true });
    fs.mkdirSync(path.join(project, "__tests__"));
    fs.writeFileSync(
      path.join(project, "__tests__", "stack.test.ts"),
      [
        `import { Testing } from "${framework}";`,
        `import { MessagingTemplate, synthSnapshot } from "${manifest().name}/testing";`,
        'import { buildOwnAppImageStack } from "../own-app-image";',
        "",
        'test("the own-app-image stack", () => {',
        `  const stack = buildOwnAppImageStack(Testing.app(), "${STACK}", { prefix: "${STACK}" });`,
        "  expect(synthSnapshot(stack)).toMatchSnapshot();",
        "  const t = MessagingTemplate.fromStack(stack);",
        `  t.expectWiring("${STACK}-counter", { broker: "${STACK}-kafka", role: "consumer", topic: "clicks", groupId: "clicks-counter" });`,
        `  t.expectWiring("${STACK}-producer", { broker: "${STACK}-kafka", role: "producer", topic: "clicks" });`,
        "  t.expectNoPortBeyondLoopback();",
        `  expect(t.topic("${STACK}-kafka", "clicks").partitions).toBe(3);`,
        "});",
        "",
      ].join("\n"),
    );
    const jest = inProject("npx", ["jest", "--ci=false"], { timeoutSeconds: 300 });
    console.log(`the project's jest ${jest.seconds.toFixed(1)} s`);
    expect(jest.stdout + jest.stderr).toMatch(/Tests:\s+1 passed, 1 total/);
    expect(jest.stdout + jest.stderr).toMatch(/Snapshots:\s+1 written, 1 total/);
    // A second run compares with the snapshot written: the same stack synthesizes the same.
    const again = inProject("npx", ["jest", "--ci"], { timeoutSeconds: 300 });
    expect(again.stdout + again.stderr).toMatch(/Snapshots:\s+1 passed, 1 total/);
  });

  test("the package's own bin builds the default images from the package alone (here: finds the node image current)", () => {
    // The same recipe as toolchain/setup.sh ran (its hash is over the shipped files), so the image is current.
    const images = inProject("npx", ["cdktf-messaging-images", "node"], { timeoutSeconds: 600 });
    const name = DefaultImages.node.replace(/[.]/g, "\\.");
    expect(images.stdout).toMatch(new RegExp(`images: (${name} is current|built ${name})`));
  });

  test(`${framework} synth names the user's stack and the image builds from the installed package`, () => {
    const synth = inProject(flavour.cli, ["synth"]);
    const json = JSON.parse(fs.readFileSync(path.join(project, "cdktf.out", "stacks", STACK, "cdk.tf.json"), "utf8"));
    const contexts = Object.values<any>(json.resource.docker_image)
      .map((i) => i.build?.context)
      .filter(Boolean);
    expect(contexts).toEqual(
      expect.arrayContaining([
        path.join(project, "node_modules", manifest().name, "apps", "kafka-producer"),
        path.join(project, "clicks-counter"),
      ]),
    );
    expect(json.terraform.required_providers.docker).toMatchObject({ source: "kreuzwerker/docker" });
    console.log(`${framework} synth ${synth.seconds.toFixed(1)} s`);
  });

  /**
   * Runs `command` with its standard input open and never written: a command
   * that prompts waits there until the timeout, and the test fails.
   */
  function runWithOpenInput(
    command: string,
    args: string[],
    cwd: string,
    timeoutSeconds: number,
  ): Promise<{ code: number | null; output: string; seconds: number }> {
    return new Promise((resolve) => {
      const started = Date.now();
      const child = spawn(command, args, {
        cwd,
        env: { ...process.env, ...projectEnv(), NO_COLOR: "1", FORCE_COLOR: "0", CI: "true" },
        stdio: ["pipe", "pipe", "pipe"],
      });
      let output = "";
      child.stdout.on("data", (d) => (output += d));
      child.stderr.on("data", (d) => (output += d));
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutSeconds * 1000);
      child.on("close", (code) => {
        clearTimeout(timer);
        resolve({ code, output, seconds: (Date.now() - started) / 1000 });
      });
    });
  }

  test.each([
    [`${framework} deploy`, ["deploy", "--auto-approve", "--skip-provider-lock"]],
    [`${framework} diff`, ["diff", "--skip-provider-lock"]],
    ["terraform plan", ["plan"]],
  ])("a missing secret stops %s at once, without a prompt, naming every unset TF_VAR_", async (name, args) => {
    const viaTerraform = name === "terraform plan";
    const cwd = viaTerraform ? path.join(project, "cdktf.out", "stacks", STACK) : project;
    if (viaTerraform) inProject(terraformBinary, [`-chdir=${cwd}`, "init", "-input=false"]);
    const result = await runWithOpenInput(viaTerraform ? terraformBinary : flavour.cli, args, cwd, 180);
    console.log(`${name} without secrets: exit ${result.code} after ${result.seconds.toFixed(1)} s`);
    expect(result.output).not.toMatch(/Enter a value/);
    expect(result.code).not.toBe(0);
    expect(result.code).not.toBeNull(); // null: killed at the timeout, i.e. it waited for input
    // Terraform wraps its messages in a box (and the CLI to the terminal's width): compare the words.
    const output = result.output
      .replace(/\x1b\[[0-9;]*m/g, "")
      .replace(/[│╷╵]/g, " ")
      .replace(/\s+/g, " ");
    for (const key of Object.keys(credentials)) {
      expect(output).toContain(`${key.replace(/^TF_VAR_/, "")} is not set: export ${key} `);
    }
    expect(containersLabelled(stackLabel)).toEqual([]);
  });

  test(`${framework} deploy runs the package's producer and the project's own consumer; every message is counted`, async () => {
    deployed = true;
    const deploy = inProject(flavour.cli, ["deploy", "--auto-approve", "--skip-provider-lock"], { env: credentials, timeoutSeconds: 600 });
    console.log(`${framework} deploy ${deploy.seconds.toFixed(1)} s`);
    const counted = await waitFor(`${STACK}-counter-1 to count ${MESSAGES} messages`, 180, () => {
      const count = Number(
        run("docker", ["exec", `${STACK}-counter-1`, "cat", "/tmp/consumed-count"], { okCodes: [0, 1] }).stdout.trim() || 0,
      );
      return count >= MESSAGES ? count : undefined;
    });
    expect(counted).toBeGreaterThanOrEqual(MESSAGES);
    const state = (name: string) => run("docker", ["inspect", "-f", "{{.State.Status}} {{.State.Health.Status}}", name]).stdout.trim();
    expect(state(`${STACK}-counter-1`)).toBe("running healthy");
    expect(state(`${STACK}-kafka`)).toBe("running healthy");
  });

  test("the package's commands work on the deployed project: the topology picture and the rolling change", () => {
    const mermaid = path.join(work, "topology.mmd");
    inProject("npx", ["cdktf-messaging-topology", "--mermaid", mermaid]);
    const picture = fs.readFileSync(mermaid, "utf8");
    for (const name of [`${STACK}-kafka`, `${STACK}-producer`, `${STACK}-counter`, "clicks"]) expect(picture).toContain(name);
    // No clustered broker here: the roll has no node to replace and applies the rest of the plan, which is nothing.
    const roll = inProject("npx", ["cdktf-messaging-roll"], { env: credentials, timeoutSeconds: 300 });
    const said = roll.stdout + roll.stderr;
    console.log(`cdktf-messaging-roll ${roll.seconds.toFixed(1)} s: ${said.trim().split("\n").slice(-2).join(" / ")}`);
    expect(said).toMatch(/Resources: 0 added, 0 changed, 0 destroyed/);
    expect(said).toMatch(/roll: done/);
  });

  test("a second plan is empty", () => {
    const diff = inProject(flavour.cli, ["diff", "--skip-provider-lock"], { env: credentials });
    expect(diff.stdout + diff.stderr).toMatch(/No changes/);
  });

  const { migrateTo } = options;
  if (migrateTo) {
    test(`the deployed project moves to ${migrateTo.framework} with the one import change; its test and plan see no change`, () => {
      const target = packFlavour(migrateTo, work);
      const peers = target.manifest.peerDependencies;
      // The packages: this flavour's out, the other's in (its peers at the versions it names).
      inProject("npm", ["uninstall", "--no-audit", "--no-fund", manifest().name, ...flavour.peers.filter((p) => !(p in peers))]);
      const install = inProject("npm", [
        "install",
        "--no-audit",
        "--no-fund",
        target.tarball,
        ...Object.entries<string>(peers).map(([name, range]) => `${name}@${range}`),
      ]);
      // The imports: the framework's and the package's names, in every file of the project that has them.
      const changed: string[] = [];
      for (const file of ["main.ts", "own-app-image.ts", "setup.js", path.join("__tests__", "stack.test.ts")]) {
        const full = path.join(project, file);
        const before = fs.readFileSync(full, "utf8");
        const after = before
          .replace(new RegExp(`(from |require\\()"${framework}"`, "g"), `$1"${migrateTo.framework}"`)
          .replace(new RegExp(`"${manifest().name}(/testing)?"`, "g"), `"${target.manifest.name}$1"`);
        if (after !== before) changed.push(file);
        fs.writeFileSync(full, after);
      }
      expect(changed.sort()).toEqual(["__tests__/stack.test.ts", "main.ts", "own-app-image.ts", "setup.js"]);
      current = migrateTo;
      inProject("npx", ["tsc", "--noEmit", "-p", "."]);
      // The snapshot written on the first flavour holds on the second, but for the shipped apps' build folders, which are
      // in the package's folder (node_modules/<its name>/apps/...): the one update the README tells of, made here by hand.
      const snapshot = path.join(project, "__tests__", "__snapshots__", "stack.test.ts.snap");
      const written = fs.readFileSync(snapshot, "utf8");
      const updated = written.replaceAll(
        `<build-context:node_modules/${manifest().name}/`,
        `<build-context:node_modules/${target.manifest.name}/`,
      );
      expect(updated).not.toBe(written);
      fs.writeFileSync(snapshot, updated);
      const jest = inProject("npx", ["jest", "--ci"], { timeoutSeconds: 300 });
      expect(jest.stdout + jest.stderr).toMatch(/Snapshots:\s+1 passed, 1 total/);
      const diff = inProject(migrateTo.cli, ["diff", "--skip-provider-lock"], { env: credentials });
      expect(diff.stdout + diff.stderr).toMatch(/No changes/);
      console.log(
        `moved to ${target.manifest.name}: npm install ${install.seconds.toFixed(1)} s, ${migrateTo.framework} diff ${diff.seconds.toFixed(1)} s: no changes`,
      );
    });
  }

  test(`destroy (${migrateTo ? migrateTo.framework : framework}) leaves no container, network or volume of the stack`, () => {
    const destroy = inProject(current.cli, ["destroy", "--auto-approve", "--skip-provider-lock"], { env: credentials });
    deployed = false;
    console.log(`${current.framework} destroy ${destroy.seconds.toFixed(1)} s`);
    expect(containersLabelled(stackLabel)).toEqual([]);
    expect(networksLabelled(stackLabel)).toEqual([]);
    expect(volumesLabelled(stackLabel)).toEqual([]);
  });
}
