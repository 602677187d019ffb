/**
 * The package as a user gets it: `npm pack` of this checkout, installed into
 * a fresh `cdktf init --template=typescript` project (TypeScript pinned to
 * 5.9, the provider from the local mirror, no Terraform registry), with a
 * stack of the project's own that composes the own-app-image example: the
 * package's kafka-producer (ShippedApps) and an app built from the
 * project's own Dockerfile. It is deployed on the local engine with
 * `cdktf deploy`, the messages are counted by the project's app, a second
 * plan is empty, and destroy leaves nothing.
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

jest.setTimeout(900_000);

const STACK = "tarball";
const stackLabel = `cdktf-docker-messaging.stack=${STACK}`;
const MESSAGES = 300;
const work = fs.mkdtempSync(path.join(os.tmpdir(), "cdktf-messaging-tarball-"));
const project = path.join(work, "fresh-project");
const example = path.join(repoRoot, "examples", "own-app-image");
// Fresh secrets, given the way a user gives them.
const credentials = {
  TF_VAR_tarball_kafka_admin_password: randomBytes(18).toString("base64url"),
  TF_VAR_tarball_kafka_credentials_key: randomBytes(24).toString("base64url"),
};
// cdktf's CLI reads every CDKTF_* variable as an option of its own (yargs'
// env prefix), and `cdktf init` fails on one it does not know (toolchain/env.sh
// sets none): a user's fresh shell has none either.
for (const name of Object.keys(process.env)) if (name.startsWith("CDKTF_")) delete process.env[name];
// The CLI as a user has it installed (the template does not add cdktf-cli to the project).
const cdktfCli = path.join(repoRoot, "node_modules", ".bin", "cdktf");
const terraformBinary = process.env.TERRAFORM_BINARY_NAME || "terraform";
const inProject = (
  command: string,
  args: string[],
  extra: { env?: Record<string, string>; timeoutSeconds?: number; okCodes?: number[] } = {},
) =>
  run(command, args, {
    cwd: project,
    env: { CHECKPOINT_DISABLE: "1", ...extra.env },
    timeoutSeconds: extra.timeoutSeconds ?? 300,
    okCodes: extra.okCodes,
  });

let tarball = "";
let packedFiles: string[] = [];
let deployed = false;

afterAll(() => {
  // A failed run leaves nothing behind: destroy what may have been deployed.
  if (deployed) inProject(cdktfCli, ["destroy", "--auto-approve", "--skip-provider-lock"], { env: credentials, okCodes: [0, 1] });
  fs.rmSync(work, { recursive: true, force: true });
});

test("npm pack makes a tarball with the library, the apps' bundles and Dockerfiles and the toolchain, and no sources, tests or benchmarks", () => {
  const packed = run("npm", ["pack", "--json", "--pack-destination", work], { timeoutSeconds: 300 });
  const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf("[")));
  tarball = path.join(work, info.filename);
  packedFiles = info.files.map((f: { path: string }) => f.path).sort();
  console.log(
    `tarball ${info.filename}: ${info.size} bytes packed, ${info.unpackedSize} unpacked, ${packedFiles.length} files (npm pack ${packed.seconds.toFixed(1)} s)`,
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
    ]),
  );
  const unwanted = packedFiles.filter((f) =>
    /^(bench|__tests__|examples|constructs)\/|^dist\/(bench|__tests__|apps|examples|main)|^apps\/[^/]+\/src\/|\.test\.|^apps\/bundle\.mjs$/.test(
      f,
    ),
  );
  expect(unwanted).toEqual([]);
  // Every bin the package declares is in it.
  const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8"));
  for (const bin of Object.values<string>(manifest.bin)) expect(packedFiles).toContain(bin);
});

test("a fresh `cdktf init` project installs it with TypeScript pinned to 5.9 and the peer dependencies once", () => {
  fs.mkdirSync(project);
  const init = inProject(cdktfCli, [
    "init",
    "--template=typescript",
    "--local",
    "--project-name",
    STACK,
    "--project-description",
    "the tarball phase",
    "--enable-crash-reporting=false",
  ]);
  // `cdktf init` writes TypeScript 7, which ts-jest and ts-node refuse: pin 5.9, as the README says.
  const pin = inProject("npm", ["install", "--no-audit", "--no-fund", "--save-dev", "typescript@~5.9"]);
  const install = inProject("npm", ["install", "--no-audit", "--no-fund", tarball, "@cdktf/provider-docker@^12.0.3"]);
  console.log(
    `cdktf init ${init.seconds.toFixed(1)} s, typescript pin ${pin.seconds.toFixed(1)} s, npm install of the tarball ${install.seconds.toFixed(1)} s`,
  );

  // One copy of each peer: the package brings none of its own.
  for (const peer of ["cdktf", "constructs", "@cdktf/provider-docker"]) {
    expect(fs.existsSync(path.join(project, "node_modules", "cdktf-docker-messaging", "node_modules", peer))).toBe(false);
  }
  const installed = path.join(project, "node_modules", "cdktf-docker-messaging");
  expect(fs.existsSync(path.join(installed, "apps", "kafka-producer", "dist", "main.js"))).toBe(true);

  // The project's own stack: the example's file as a user copies it, and its app folder.
  fs.copyFileSync(path.join(example, "main.ts"), path.join(project, "own-app-image.ts"));
  fs.cpSync(path.join(example, "clicks-counter"), path.join(project, "clicks-counter"), { recursive: true });
  fs.writeFileSync(
    path.join(project, "main.ts"),
    [
      'import { App } from "cdktf";',
      'import { runSynth } from "cdktf-docker-messaging";',
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
  // The template's unit test exercises its own empty stack; the project's stack is tested below.
  fs.rmSync(path.join(project, "__tests__"), { recursive: true, force: true });
  inProject("npx", ["tsc", "--noEmit", "-p", "."]);
});

test("the package's own bin builds the default images from the package alone (here: finds the node image current)", () => {
  // The same recipe as toolchain/setup.sh ran (its hash is over the shipped files), so the image is current.
  const images = inProject("npx", ["cdktf-messaging-images", "node"], { timeoutSeconds: 600 });
  const name = DefaultImages.node.replace(/[.]/g, "\\.");
  expect(images.stdout).toMatch(new RegExp(`images: (${name} is current|built ${name})`));
});

test("synth names the user's stack and the image builds from the installed package", () => {
  const synth = inProject(cdktfCli, ["synth"]);
  const json = JSON.parse(fs.readFileSync(path.join(project, "cdktf.out", "stacks", STACK, "cdk.tf.json"), "utf8"));
  const contexts = Object.values<any>(json.resource.docker_image)
    .map((i) => i.build?.context)
    .filter(Boolean);
  expect(contexts).toEqual(
    expect.arrayContaining([
      path.join(project, "node_modules", "cdktf-docker-messaging", "apps", "kafka-producer"),
      path.join(project, "clicks-counter"),
    ]),
  );
  console.log(`cdktf synth ${synth.seconds.toFixed(1)} s`);
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
      env: { ...process.env, CHECKPOINT_DISABLE: "1", NO_COLOR: "1", FORCE_COLOR: "0", CI: "true" },
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
  ["cdktf deploy", ["deploy", "--auto-approve", "--skip-provider-lock"]],
  ["cdktf diff", ["diff", "--skip-provider-lock"]],
  ["terraform plan", ["plan"]],
])("a missing secret stops %s at once, without a prompt, naming every unset TF_VAR_", async (name, args) => {
  const viaTerraform = name === "terraform plan";
  const cwd = viaTerraform ? path.join(project, "cdktf.out", "stacks", STACK) : project;
  if (viaTerraform) inProject(terraformBinary, [`-chdir=${cwd}`, "init", "-input=false"]);
  const result = await runWithOpenInput(viaTerraform ? terraformBinary : cdktfCli, args, cwd, 180);
  console.log(`${name} without secrets: exit ${result.code} after ${result.seconds.toFixed(1)} s`);
  expect(result.output).not.toMatch(/Enter a value/);
  expect(result.code).not.toBe(0);
  expect(result.code).not.toBeNull(); // null: killed at the timeout, i.e. it waited for input
  // Terraform wraps its messages in a box (and cdktf to the terminal's width): compare the words.
  const output = result.output
    .replace(/\x1b\[[0-9;]*m/g, "")
    .replace(/[│╷╵]/g, " ")
    .replace(/\s+/g, " ");
  for (const key of Object.keys(credentials)) {
    expect(output).toContain(`${key.replace(/^TF_VAR_/, "")} is not set: export ${key} `);
  }
  expect(containersLabelled(stackLabel)).toEqual([]);
});

test("cdktf deploy runs the package's producer and the project's own consumer; every message is counted", async () => {
  deployed = true;
  const deploy = inProject(cdktfCli, ["deploy", "--auto-approve", "--skip-provider-lock"], { env: credentials, timeoutSeconds: 600 });
  console.log(`cdktf deploy ${deploy.seconds.toFixed(1)} s`);
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

test("a second plan is empty", () => {
  const diff = inProject(cdktfCli, ["diff", "--skip-provider-lock"], { env: credentials });
  expect(diff.stdout + diff.stderr).toMatch(/No changes/);
});

test("cdktf destroy leaves no container, network or volume of the stack", () => {
  const destroy = inProject(cdktfCli, ["destroy", "--auto-approve", "--skip-provider-lock"], { env: credentials });
  deployed = false;
  console.log(`cdktf destroy ${destroy.seconds.toFixed(1)} s`);
  expect(containersLabelled(stackLabel)).toEqual([]);
  expect(networksLabelled(stackLabel)).toEqual([]);
  expect(volumesLabelled(stackLabel)).toEqual([]);
});
