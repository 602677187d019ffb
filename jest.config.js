// One Jest project per suite, run in this order by .ci/run:
//   unit      - synth-only construct tests, no Docker (`npm test`)
//   apps      - the apps against real brokers in the local Docker engine
//   validate  - every example stack through `terraform validate` with the real provider
//   e2e       - `cdktf deploy` of the default stack on the local engine
//   e2e-cluster - the 3+3-node cluster example stack deployed, nodes killed, rolled and restarted
//   faults    - the same stack under traffic: leaders paused, cut off the network, RabbitMQ memory/disk alarms; 0 lost
//   package   - `npm pack`, installed into a fresh `cdktf init` project that deploys a stack of its own
//   swarm     - examples/swarm on the three-engine test Swarm (toolchain/test-swarm.sh): placement, an engine stopped, 0 lost
// @swc/jest strips types without type-checking (fast); `npm run typecheck` checks them.
const swc = ["@swc/jest", { jsc: { parser: { syntax: "typescript" }, target: "es2022" } }];
// The examples import the library by its package name, as a user's project
// does; here that name is the source (never dist/: one copy of the library).
const moduleNameMapper = {
  "^cdktf-docker-messaging$": "<rootDir>/constructs/index.ts",
  "^cdktf-docker-messaging/testing$": "<rootDir>/constructs/testing/index.ts",
};
const project = (name, extra = {}) => ({
  displayName: name,
  testEnvironment: "node",
  transform: { "^.+\\.ts$": swc },
  moduleNameMapper,
  testMatch: [`<rootDir>/__tests__/${name}/**/*.test.ts`],
  setupFilesAfterEnv: ["<rootDir>/__tests__/setup.ts"],
  ...extra,
});
module.exports = {
  projects: [
    project("unit"),
    // Per-project testTimeout is not applied by Jest 30: slow suites call jest.setTimeout.
    project("apps"),
    project("validate"),
    project("e2e"),
    project("e2e-cluster"),
    project("faults"),
    project("package"),
    project("swarm"),
  ],
};
