/**
 * No input crashes synth: every public constructor and method, given a
 * hostile value in each position, ends in success or in our error naming
 * the construct path (thrown at once, or listed at synth), never in a
 * TypeError (the cases: no-crash-sites.ts; the other half of the sites:
 * no-crash-second-half.test.ts). And `runSynth` prints its report whatever
 * was thrown, and hostile values are reported with what was expected.
 */
import { App, Testing, TerraformStack } from "cdktf";
import {
  addMessagingAspects,
  AppContainer,
  ContainerImage,
  DockerHost,
  formatSynthFailure,
  HealthCheck,
  Network,
  RabbitMqBroker,
  runSynth,
} from "../../../constructs";
import { problemRootsMark } from "../../../constructs/errors/problems";
import { problemMessages } from "../helpers";
import { describeNoCrash, image } from "./no-crash-sites";

describeNoCrash(0);

describe("runSynth prints a report whatever is thrown", () => {
  const throwingMessage = Object.create(Error.prototype, {
    message: {
      get() {
        throw new Error("message getter");
      },
    },
  });
  const throwingEverything = new Proxy(
    {},
    {
      get() {
        throw new Error("proxy");
      },
      getPrototypeOf() {
        throw new Error("proxy");
      },
      has() {
        throw new Error("proxy");
      },
    },
  );
  const values: [string, unknown][] = [
    ["a string", "boom"],
    ["null", null],
    ["undefined", undefined],
    ["an object without message", { code: 42 }],
    ["an object whose message is not a string", { message: { nested: true } }],
    ["an Error whose message getter throws", throwingMessage],
    ["a Proxy that throws on every access", throwingEverything],
    ["a symbol", Symbol("boom")],
    [
      "an object with a throwing toString",
      {
        toString: () => {
          throw new Error("toString");
        },
      },
    ],
    ["Object.create(null)", Object.create(null)],
    ["an Error named MessagingProblems without problems", Object.assign(new Error("x"), { name: "MessagingProblems" })],
    [
      "a fake MessagingValidationError without its fields",
      Object.assign(new Error("fake"), { name: "MessagingValidationError", constructPath: undefined }),
    ],
  ];
  test.each(values)("reports %s and sets the exit code", (_label, value) => {
    const savedExitCode = process.exitCode;
    let printed = "";
    try {
      const ok = runSynth(
        () => {
          throw value;
        },
        (t) => void (printed += t),
      );
      expect(ok).toBe(false);
      expect(process.exitCode).toBe(1);
    } finally {
      process.exitCode = savedExitCode;
    }
    expect(printed).toContain("Synth failed: 1 problem.");
    expect(() => formatSynthFailure(value, problemRootsMark())).not.toThrow();
  });

  test("reports a broken stack synthesized by app.synth()", () => {
    const savedExitCode = process.exitCode;
    let printed = "";
    try {
      const ok = runSynth(
        () => {
          const app = new App({ outdir: Testing.app().outdir });
          const stack = new TerraformStack(app, "broken");
          new DockerHost(stack, "docker", { host: "unix:///var/run/docker.sock" });
          new RabbitMqBroker(stack, "rabbit", { network: null as any });
          new AppContainer(stack, "app", { image: image(), environment: { A: null as any }, ports: [null as any] });
          app.synth();
        },
        (t) => void (printed += t),
      );
      expect(ok).toBe(false);
    } finally {
      process.exitCode = savedExitCode;
    }
    expect(printed).toContain("broken/rabbit");
    expect(printed).not.toMatch(/TypeError/);
  });
});

describe("hostile values are reported with what was expected", () => {
  const cases: [string, (s: TerraformStack) => void, RegExp][] = [
    [
      "rejects a null network, naming the Network it needs",
      (s) => new RabbitMqBroker(s, "rabbit", { network: null as any }),
      /^test\/rabbit: network is required and must be a Network, got null\. Fix: pass \{ network: new Network\(scope, "net"\) \}/,
    ],
    [
      "rejects a null entry in an app's networks",
      (s) => new AppContainer(s, "app", { image: image(), networks: [null as any] }),
      /^test\/app: networks\[0\] must be a Network \(new Network\(stack, id\)\), got null\./,
    ],
    [
      "rejects an undefined entry in an app's ports",
      (s) => new AppContainer(s, "app", { image: image(), ports: [undefined as any] }),
      /^test\/app: ports\[0\] is undefined/,
    ],
    [
      "rejects a construct where an environment value goes, naming it",
      (s) => new AppContainer(s, "app", { image: image(), environment: { A: new Network(s, "n") as any } }),
      /^test\/app: environment\.A must be a string, got test\/n\./,
    ],
    [
      "rejects HealthCheck.exec(null)",
      (s) => new AppContainer(s, "app", { image: image(), healthCheck: HealthCheck.exec(null as any) }),
      /^test\/app: healthCheck command must be a non-empty list of strings, got null\./,
    ],
    [
      "rejects ContainerImage.fromBuild(null)",
      (s) => new AppContainer(s, "app", { image: ContainerImage.fromBuild(null as any) }),
      /^test\/app: ContainerImage\.fromBuild folder must be a string, got null/,
    ],
    [
      "rejects a non-string construct id, naming the parent",
      (s) => new Network(s, 42 as any),
      /^test: the id of a new Network must be a non-empty string, got 42\./,
    ],
    [
      "rejects an undefined scope, naming the new construct",
      () => new Network(undefined as any, "net"),
      /^net: the scope of new Network must be a construct \(a TerraformStack or a construct in one\), got undefined\./,
    ],
    [
      "rejects addMessagingAspects(null)",
      () => addMessagingAspects(null as any),
      /^addMessagingAspects: the scope of addMessagingAspects must be a construct/,
    ],
    ["rejects null NetworkProps", (s) => new Network(s, "net", null as any), /^test\/net: NetworkProps must be an object, got null\./],
    [
      "rejects a non-boolean exchange flag",
      (s) => new RabbitMqBroker(s, "rabbit", { network: new Network(s, "net") }).addExchange("e", { durable: "yes" as any }),
      /^test\/rabbit: exchange "e": durable must be true or false, got "yes"\./,
    ],
  ];
  test.each(cases)("%s", (_name, build, expected) => {
    expect(problemMessages(build)).toContainEqual(expect.stringMatching(expected));
  });
});
