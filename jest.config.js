// One Jest project per suite, run in this order by .ci/run:
//   unit      - synth-only construct tests, no Docker (`npm test`)
//   apps      - the apps against real brokers in the local Docker engine
//   validate  - every example stack through `terraform validate` with the real provider
//   e2e       - `cdktf deploy` of the default stack on the local engine
//   faults    - the 3+3-node cluster example deployed, reached from the host, then under traffic: nodes killed, paused,
//               cut off the network, alarms, a full disk, a full outage, a roll; an idle stop/start keeps the data; 0 lost
//   upgrade   - a 1-node and a 3-node RabbitMQ (and a Prometheus) deployed with 0.8's images, then with the defaults: data kept
//   package   - `npm pack`, installed into a fresh `cdktf init` project that deploys a stack of its own
//   swarm     - examples/swarm on the three-engine test Swarm (toolchain/test-swarm.sh): placement, an engine stopped, 0 lost
//   unit-cdktn, validate-cdktn - the unit and validate suites again on the cdktn flavour (`npm run test:cdktn`)
// @swc/jest strips types without type-checking (fast); `npm run typecheck` checks them.
const swc = ["@swc/jest", { jsc: { parser: { syntax: "typescript" }, target: "es2022" } }];
// The examples import the library by its package name, as a user's project
// does; here that name is the source (never dist/: one copy of the library).
const moduleNameMapper = {
  "^cdktf-docker-messaging$": "<rootDir>/constructs/index.ts",
  "^cdktf-docker-messaging/testing$": "<rootDir>/constructs/testing/index.ts",
};
// The cdktn flavour (flavours/cdktn/build.mjs) is this source with the
// framework and the provider's bindings swapped: the same swap, made here by
// module name, runs the same tests, snapshots and all, on CDK Terrain with
// the bindings generated from the provider we build (and the one constructs
// that cdktn accepts). `npm run test:cdktn` generates them first.
const cdktnFlavour = "<rootDir>/flavours/cdktn";
const onCdktn = {
  ...moduleNameMapper,
  "^cdktf$": `${cdktnFlavour}/node_modules/cdktn`,
  "^cdktf/(.*)$": `${cdktnFlavour}/node_modules/cdktn/$1`,
  "^constructs$": `${cdktnFlavour}/node_modules/constructs`,
  "^@cdktf/provider-docker/lib/(.*)$": `${cdktnFlavour}/generated/providers/docker/$1`,
};
const project = (name, extra = {}) => ({
  displayName: name,
  testEnvironment: "node",
  transform: { "^.+\\.ts$": swc },
  moduleNameMapper,
  testMatch: [`<rootDir>/__tests__/${name}/**/*.test.ts`],
  // Which framework the project runs on (__tests__/unit/flavour.test.ts checks it is the one loaded).
  globals: { FRAMEWORK: "cdktf" },
  setupFilesAfterEnv: ["<rootDir>/__tests__/setup.ts"],
  ...extra,
});
module.exports = {
  // One worker per CPU, not Jest's CPUs - 1: on CI's 2 CPUs that is one, so the unit suite ran in band, its longest file
  // (errors/no-crash, 125 s) alone for most of it. The suites that drive Docker run with --runInBand regardless.
  maxWorkers: "100%",
  projects: [
    project("unit"),
    // Per-project testTimeout is not applied by Jest 30: slow suites call jest.setTimeout.
    project("apps"),
    project("validate"),
    project("e2e"),
    project("faults"),
    project("upgrade"),
    project("package"),
    project("swarm"),
    project("unit", {
      displayName: "unit-cdktn",
      moduleNameMapper: onCdktn,
      globals: { FRAMEWORK: "cdktn" },
      // Every unit test but errors/no-crash* (two thirds of the unit run's CPU time, 125 s): its hostile values stop in
      // our own checks, before the framework is reached, the same code in both flavours. Every rejects/accepts table,
      // the snapshot and every synth test run here.
      testPathIgnorePatterns: ["/node_modules/", "<rootDir>/__tests__/unit/errors/no-crash(-second-half)?\\.test\\.ts$"],
    }),
    project("validate", { displayName: "validate-cdktn", moduleNameMapper: onCdktn, globals: { FRAMEWORK: "cdktn" } }),
  ],
};
