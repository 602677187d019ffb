/**
 * Bad input is reported, not thrown (constructs/errors/problems.ts): every
 * problem of every stack is listed at once, references are checked at synth
 * whatever the order of calls, and a problem is listed once however often
 * validation runs.
 */
import { App, TerraformStack, Testing } from "cdktf";
import { Construct } from "constructs";
import {
  AppContainer,
  assertNoProblems,
  ContainerImage,
  deferCheck,
  DockerHost,
  KafkaBroker,
  MessagingProblems,
  MessagingValidationError,
  Network,
  RabbitMqBroker,
  reportProblem,
} from "../../../constructs";
import { problemsIn } from "../../../constructs/errors/problems";
import { showValue } from "../../../constructs/errors/messaging-error";
import { closestMatch, didYouMean, editDistance } from "../../../constructs/errors/did-you-mean";
import { synthStack } from "../../../constructs/testing";
import { newStack, problemsOf } from "../helpers";

const image = ContainerImage.fromRegistry("busybox:1.36");

/** Five mistakes in three constructs. */
function fiveMistakes(stack: TerraformStack): void {
  const network = new Network(stack, "net", { name: "shop net" }); // 1
  new RabbitMqBroker(stack, "rabbitmq", { network, memoryMb: 64, stopGracePeriodSeconds: -1 }); // 2, 3
  new AppContainer(stack, "worker", { image, replicas: 0, restartPolicy: "sometimes" as never }); // 4, 5
}

function stackIn(app: App, id: string): TerraformStack {
  const stack = new TerraformStack(app, id);
  new DockerHost(stack, "docker", { host: "unix:///var/run/docker.sock" });
  return stack;
}

describe("every problem at once", () => {
  test("5 mistakes in 3 constructs are 5 problems, in construct order, each on its construct", () => {
    const problems = problemsOf(fiveMistakes);
    expect(problems.map((p) => [p.constructPath, p.problem.replace(/ .*/, "")])).toEqual([
      ["test/net", "name"],
      ["test/rabbitmq", "memoryMb"],
      ["test/rabbitmq", "stopGracePeriodSeconds"],
      ["test/worker", "replicas"],
      ["test/worker", "restartPolicy"],
    ]);
    for (const p of problems) {
      expect(p).toBeInstanceOf(MessagingValidationError);
      expect(p.message).toBe(`${p.constructPath}: ${p.problem}, got ${showValue(p.received)}. Fix: ${p.fix}`);
    }
  });

  test("synthStack throws one error listing the 5 problems", () => {
    const stack = newStack();
    fiveMistakes(stack);
    let error: unknown;
    try {
      synthStack(stack);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MessagingProblems);
    const problems = (error as MessagingProblems).problems;
    expect(problems).toHaveLength(5);
    expect((error as Error).message.split("\n")).toEqual(["5 problems:", ...problems.map((p) => `  - ${p.message}`)]);
  });

  test("cdktf's own synth lists the 5 problems in one validation error", () => {
    const app = new App({ outdir: Testing.app().outdir });
    fiveMistakes(stackIn(app, "shop"));
    expect(() => app.synth()).toThrow(/Validation failed with the following errors:/);
    let message = "";
    try {
      app.synth();
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message.split("\n").filter((line) => line.startsWith("  [shop/"))).toHaveLength(5);
  });

  test("problems of two stacks of one app are all listed, deferred ones too", () => {
    const app = new App({ outdir: Testing.app().outdir });
    const one = stackIn(app, "one");
    const two = stackIn(app, "two");
    new Network(one, "net", { name: "bad/name" });
    const rabbit = new RabbitMqBroker(two, "rabbitmq", { network: new Network(two, "net") });
    rabbit.addQueue("orders", { deadLetterQueue: "orders.dlq" }); // never declared: found at synth
    new AppContainer(two, "worker", { image, memoryMb: 1 });
    const problems = problemsIn(app);
    expect(problems.map((p) => p.constructPath)).toEqual(["one/net", "two/rabbitmq", "two/worker"]);
    expect(problems[1].message).toMatch(
      /^two\/rabbitmq: queue "orders": its dead-letter queue is not declared, got "orders\.dlq"\. Fix: declare it with addQueue\("orders\.dlq"\)/,
    );
    expect(() => app.synth()).toThrow(/one\/net: name is not a valid Docker network name/);
  });

  test("a stack without problems passes assertNoProblems", () => {
    const stack = newStack();
    new Network(stack, "net");
    expect(() => assertNoProblems(stack)).not.toThrow();
    expect(problemsIn(stack)).toEqual([]);
  });

  test("one problem is '1 problem'", () => {
    const stack = newStack();
    new Network(stack, "net", { name: "-x" });
    expect(() => assertNoProblems(stack)).toThrow(/^1 problem:\n  - test\/net: name is not a valid Docker network name/);
  });
});

describe("checks deferred to synth", () => {
  test("a reference to something declared later is fine: the order of calls does not matter", () => {
    const problems = problemsOf((stack) => {
      const network = new Network(stack, "net");
      const rabbit = new RabbitMqBroker(stack, "rabbitmq", { network });
      const exchange = rabbit.addExchange("events", { type: "topic" });
      exchange.grantPublish(new AppContainer(stack, "producer", { image }), { routingKey: "order.placed" }); // no binding yet
      rabbit.addQueue("orders", { deadLetterQueue: "orders.dlq" }).bindTo(exchange, { routingKey: "order.*" }); // no dead-letter queue yet
      rabbit.addQueue("orders.dlq");
    });
    expect(problems).toEqual([]);
  });

  test("a reference never satisfied is reported at synth, at the line of the call that made it", () => {
    const stack = newStack();
    const rabbit = new RabbitMqBroker(stack, "rabbitmq", { network: new Network(stack, "net") });
    const exchange = rabbit.addExchange("events", { type: "direct" });
    exchange.grantPublish(new AppContainer(stack, "producer", { image }), { routingKey: "nowhere" });
    Testing.synth(stack);
    const [problem, ...others] = problemsIn(stack);
    expect(others).toEqual([]);
    expect(problem.message).toMatch(
      /^test\/rabbitmq: publisher to exchange "events" \(test\/producer\): no binding of exchange "events" \(direct\) routes routing key "nowhere" to a queue.*, got "nowhere"\. Fix: bind a queue to it/,
    );
    expect(problem.location?.file).toBe(__filename);
  });

  test("a user's construct can report problems and defer checks with the same format", () => {
    class Quota extends Construct {
      public readonly limits: string[] = [];
      constructor(scope: Construct, id: string, max: number) {
        super(scope, id);
        if (max < 1) reportProblem(this, "max must be at least 1", max, "use 1 or more");
        deferCheck(this, () =>
          this.limits.length > max
            ? [{ problem: `${this.limits.length} limits exceed max`, received: this.limits, fix: `raise max to ${this.limits.length}` }]
            : [],
        );
      }
    }
    const stack = newStack();
    const quota = new Quota(stack, "quota", 0);
    quota.limits.push("a"); // after the constructor: the deferred check sees it
    Testing.synth(stack);
    expect(problemsIn(stack).map((p) => p.message)).toEqual([
      "test/quota: max must be at least 1, got 0. Fix: use 1 or more",
      'test/quota: 1 limits exceed max, got ["a"]. Fix: raise max to 1',
    ]);
  });
});

describe("each problem once", () => {
  test("validation run again and again lists each problem once", () => {
    const stack = newStack();
    fiveMistakes(stack);
    const rabbit = stack.node.findChild("rabbitmq") as RabbitMqBroker;
    rabbit.addQueue("q", { deadLetterQueue: "missing" }); // a deferred one too
    Testing.synth(stack);
    Testing.synth(stack);
    expect(problemsIn(stack)).toHaveLength(6);
    expect(() => synthStack(stack)).toThrow(/^6 problems:/);
    expect(stack.node.findAll().flatMap((c) => c.node.validate())).toHaveLength(6);
    expect(problemsIn(stack)).toHaveLength(6);
  });

  test("the same report twice on one construct is one problem; on two constructs, two", () => {
    const stack = newStack();
    const a = new Construct(stack, "a");
    const b = new Construct(stack, "b");
    reportProblem(a, "is bad", 1, "make it good");
    reportProblem(a, "is bad", 1, "make it good");
    reportProblem(b, "is bad", 1, "make it good");
    reportProblem(a, "is bad", 2, "make it good"); // another value: another problem
    expect(problemsIn(stack).map((p) => p.message)).toEqual([
      "test/a: is bad, got 1. Fix: make it good",
      "test/a: is bad, got 2. Fix: make it good",
      "test/b: is bad, got 1. Fix: make it good",
    ]);
  });

  test("the same Kafka wiring twice is one wiring, with no conflict", () => {
    const problems = problemsOf((stack) => {
      const topic = new KafkaBroker(stack, "kafka", { network: new Network(stack, "net") }).addTopic("t");
      const reader = new AppContainer(stack, "reader", { image });
      topic.grantConsume(reader, { groupId: "g" });
      topic.grantConsume(reader, { groupId: "g" });
    });
    expect(problems).toEqual([]);
  });
});

describe("thrown at once", () => {
  test("a missing required prop throws a MessagingValidationError with its parts", () => {
    let error: unknown;
    try {
      new RabbitMqBroker(newStack(), "rabbitmq", {} as never);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MessagingValidationError);
    const e = error as MessagingValidationError;
    expect(e.constructPath).toBe("test/rabbitmq");
    expect(e.problem).toBe("network is required and must be a Network");
    expect(e.received).toBeUndefined();
    expect(e.fix).toBe('pass { network: new Network(scope, "net") }');
    expect(e.message).toBe(
      'test/rabbitmq: network is required and must be a Network, got undefined. Fix: pass { network: new Network(scope, "net") }',
    );
    expect(MessagingValidationError.isMessagingValidationError(e)).toBe(true);
    expect(MessagingValidationError.isMessagingValidationError(new Error("x"))).toBe(false);
  });

  test("problemsOf returns the problems reported before the throw and the thrown one", () => {
    const problems = problemsOf((stack) => {
      new Network(stack, "bad", { name: "bad name" });
      new AppContainer(stack, "app", undefined as never);
    });
    expect(problems.map((p) => p.constructPath)).toEqual(["test/bad", "test/app"]);
  });
});

describe("values and suggestions in messages", () => {
  test("values are shown as JSON, at most 200 characters", () => {
    expect(showValue("x")).toBe('"x"');
    expect(showValue(undefined)).toBe("undefined");
    expect(showValue(null)).toBe("null");
    expect(showValue({ a: [1, true] })).toBe('{"a":[1,true]}');
    expect(showValue(() => 1)).toBe("a function");
    expect(showValue("y".repeat(300))).toBe(`"${"y".repeat(196)}...`);
    expect(showValue("y".repeat(300))).toHaveLength(200);
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(showValue(circular)).toBe("[object Object]");
  });

  test("a close name is suggested; a far one is not", () => {
    expect(editDistance("memoryMB", "memoryMb")).toBe(1);
    expect(editDistance("ab", "ba")).toBe(1); // a transposition is one edit
    expect(closestMatch("memoryMB", ["memoryMb", "name"])).toBe("memoryMb");
    expect(closestMatch("cpus", ["memoryMb", "name"])).toBeUndefined();
    expect(didYouMean("replica", ["replicas", "name"])).toBe('did you mean "replicas"? ');
    expect(didYouMean("zzz", ["replicas"])).toBe("");
  });
});
