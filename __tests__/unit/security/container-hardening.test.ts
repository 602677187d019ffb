import { Testing, type TerraformStack } from "cdktf";
import {
  AppContainer,
  ContainerImage,
  HealthCheck,
  KafkaBroker,
  Network,
  RabbitMqBroker,
  ShippedApps,
  type AppContainerProps,
  type ContainerHardening,
} from "../../../constructs";
import { exampleStacks } from "../../support/example-stacks";
import { container, labelsOf, newStack, problemMessages, resources, synth } from "../helpers";

const image = ContainerImage.fromRegistry("busybox:1.36");
const COMPONENT = "cdktf-docker-messaging.component";
const HASH = "cdktf-docker-messaging.hardening-sha256";
const EXCEPTION = "cdktf-docker-messaging.hardening-exception";
const ROTATION = { "max-size": "10m", "max-file": "3" };
const TMP = { "/tmp": "rw,noexec,nosuid,nodev,size=64m" };
const RABBITMQ_ADDED = ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_SETGID", "CAP_SETUID"];

/** An app "app" with `props`, in a fresh stack. */
const app = (props: Partial<AppContainerProps>) => (s: TerraformStack) => new AppContainer(s, "app", { image, ...props });
const appWith = (hardening: ContainerHardening) => app({ hardening });

/** The synthesized container of an app "app" with `hardening`. */
function appContainer(hardening?: ContainerHardening): any {
  const stack = newStack();
  app(hardening === undefined ? {} : { hardening })(stack);
  return container(synth(stack).json, "app-1");
}

describe("every container of every example stack is hardened by default", () => {
  const app_ = Testing.app();
  const stacks = exampleStacks.map((e) => ({ name: e.name, json: synth(e.build(app_)).json }));
  const all = stacks.flatMap((s) =>
    resources(s.json, "docker_container").map((c) => ({ stack: s.name, c, component: labelsOf(c)[COMPONENT] })),
  );

  test("the examples cover apps, both broker kinds, both set-up jobs, the certificates job, Prometheus and Alertmanager", () => {
    expect(new Set(all.map((x) => x.component))).toEqual(
      new Set([
        "app",
        "rabbitmq-broker",
        "kafka-broker",
        "kafka-setup",
        "rabbitmq-setup",
        "tls-certificates",
        "prometheus",
        "alertmanager",
      ]),
    );
    expect(all.length).toBeGreaterThanOrEqual(20);
  });

  test("no-new-privileges, every capability dropped, log rotation 10 MiB x 3, a hardening hash and no exception", () => {
    for (const { stack, c } of all) {
      const seen = {
        container: `${stack}/${c.name}`,
        securityOpts: c.security_opts,
        drop: c.capabilities?.drop,
        logDriver: c.log_driver,
        logOpts: c.log_opts,
        hash: /^[0-9a-f]{16}$/.test(labelsOf(c)[HASH]),
        exception: labelsOf(c)[EXCEPTION],
      };
      expect(seen).toEqual({
        container: `${stack}/${c.name}`,
        securityOpts: ["no-new-privileges:true"],
        drop: ["ALL"],
        logDriver: "json-file",
        logOpts: ROTATION,
        hash: true,
        exception: undefined,
      });
    }
  });

  test("apps, the set-up jobs, Prometheus and Alertmanager: read-only root with a 64 MiB /tmp tmpfs, no capability added", () => {
    const readOnly = all.filter((x) => ["app", "prometheus", "alertmanager"].includes(x.component) || x.component.endsWith("-setup"));
    expect(readOnly.length).toBeGreaterThan(0);
    for (const { stack, c } of readOnly) {
      expect({ container: `${stack}/${c.name}`, readOnly: c.read_only, tmpfs: c.tmpfs, add: c.capabilities.add }).toEqual({
        container: `${stack}/${c.name}`,
        readOnly: true,
        tmpfs: TMP,
        add: undefined,
      });
    }
  });

  test("the certificates job: read-only root (writable when it receives the user's files: Docker refuses uploads into a read-only root), a small /tmp, root only to chown the key: CHOWN, DAC_OVERRIDE and FOWNER and nothing else", () => {
    const jobs = all.filter((x) => x.component === "tls-certificates");
    expect(jobs.filter(({ c }) => c.upload !== undefined).length).toBeGreaterThan(0);
    expect(jobs.filter(({ c }) => c.upload === undefined).length).toBeGreaterThan(0);
    for (const { stack, c } of jobs) {
      expect({
        container: `${stack}/${c.name}`,
        readOnly: c.read_only,
        tmpfs: Object.keys(c.tmpfs ?? {}),
        add: c.capabilities.add,
        user: c.user,
        network: c.network_mode,
      }).toEqual({
        container: `${stack}/${c.name}`,
        readOnly: c.upload === undefined ? true : undefined,
        tmpfs: ["/tmp"],
        add: ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER"],
        user: "0:0",
        network: "none",
      });
    }
  });

  test("brokers keep a writable root; Kafka adds no capability, RabbitMQ only what the official image's entrypoint needs", () => {
    const brokers = all.filter((x) => x.component.endsWith("-broker"));
    expect(brokers.length).toBeGreaterThan(0);
    for (const { stack, c, component } of brokers) {
      expect({ container: `${stack}/${c.name}`, readOnly: c.read_only, tmpfs: c.tmpfs, add: c.capabilities.add }).toEqual({
        container: `${stack}/${c.name}`,
        readOnly: undefined,
        tmpfs: undefined,
        add: component === "rabbitmq-broker" ? RABBITMQ_ADDED : undefined,
      });
    }
  });
});

describe("opting out", () => {
  test("a writable root for an app with a reason: read_only unset, the reason as the exception label, /tmp still a tmpfs", () => {
    const c = appContainer({ readOnlyRootFilesystem: false, reason: "the vendor agent writes /var/lib/agent" });
    expect(c.read_only).toBeUndefined();
    expect(c.tmpfs).toEqual(TMP);
    expect(c.security_opts).toEqual(["no-new-privileges:true"]);
    expect(labelsOf(c)[EXCEPTION]).toBe("the vendor agent writes /var/lib/agent");
  });

  test("no no-new-privileges, Docker's default capabilities plus one, no log rotation, with a reason", () => {
    const c = appContainer({
      noNewPrivileges: false,
      dropAllCapabilities: false,
      addCapabilities: ["net_bind_service"],
      logRotation: false,
      reason: "legacy image: binds port 80 through a setuid helper",
    });
    expect(c.security_opts).toBeUndefined();
    expect(c.capabilities).toEqual({ add: ["CAP_NET_BIND_SERVICE"] });
    expect(c.log_driver).toBeUndefined();
    expect(c.log_opts).toBeUndefined();
    expect(c.read_only).toBe(true);
    expect(labelsOf(c)[EXCEPTION]).toBe("legacy image: binds port 80 through a setuid helper");
  });

  test("Docker's default capabilities alone: no capabilities block", () => {
    expect(appContainer({ dropAllCapabilities: false, reason: "r" }).capabilities).toBeUndefined();
  });

  test("a broker adding a capability with a reason: on every node, after the drop of all", () => {
    const stack = newStack();
    new KafkaBroker(stack, "kafka", {
      network: new Network(stack, "net"),
      nodes: 3,
      hardening: { addCapabilities: ["CAP_SYS_NICE"], reason: "numa pinning" },
    });
    const json = synth(stack).json;
    for (const name of ["kafka-1", "kafka-2", "kafka-3"]) {
      const c = container(json, name);
      expect(c.capabilities).toEqual({ add: ["CAP_SYS_NICE"], drop: ["ALL"] });
      expect(labelsOf(c)[EXCEPTION]).toBe("numa pinning");
    }
  });

  test("fewer capabilities than a broker kind's list is stricter: no reason needed", () => {
    const stack = newStack();
    new RabbitMqBroker(stack, "rabbitmq", { network: new Network(stack, "net"), hardening: { addCapabilities: [] } });
    const c = container(synth(stack).json, "rabbitmq");
    expect(c.capabilities).toEqual({ drop: ["ALL"] });
    expect(labelsOf(c)[EXCEPTION]).toBeUndefined();
  });

  test("log size and count and tmpfs folders are settings, not exceptions", () => {
    const c = appContainer({ logMaxSizeMb: 50, logMaxFiles: 5, tmpfsSizeMb: { "/tmp": 16, "/var/cache/app": 128 } });
    expect(c.log_opts).toEqual({ "max-size": "50m", "max-file": "5" });
    expect(c.tmpfs).toEqual({ "/tmp": "rw,noexec,nosuid,nodev,size=16m", "/var/cache/app": "rw,noexec,nosuid,nodev,size=128m" });
    expect(labelsOf(c)[EXCEPTION]).toBeUndefined();
  });

  test.each<[string, ContainerHardening, string]>([
    ["noNewPrivileges: false", { noNewPrivileges: false }, "noNewPrivileges: false"],
    ["dropAllCapabilities: false", { dropAllCapabilities: false }, "dropAllCapabilities: false"],
    ["an added capability", { addCapabilities: ["NET_RAW"] }, "addCapabilities CAP_NET_RAW"],
    ["a writable root", { readOnlyRootFilesystem: false }, "readOnlyRootFilesystem: false"],
    ["no log rotation", { logRotation: false }, "logRotation: false"],
  ])("fails when an app weakens a default without a reason: %s", (_name, hardening, weakened) => {
    expect(problemMessages(appWith(hardening))).toEqual([
      `test/app: hardening weakens a default (${weakened}) without a reason, got ${JSON.stringify([weakened])}. ` +
        "Fix: add hardening.reason saying why this container needs it (it is put on the container as the label cdktf-docker-messaging.hardening-exception), or keep the default",
    ]);
  });

  test("fails when a broker adds a capability outside its kind's list without a reason", () => {
    const messages = problemMessages(
      (s) => new RabbitMqBroker(s, "rabbitmq", { network: new Network(s, "net"), hardening: { addCapabilities: ["SETUID", "NET_ADMIN"] } }),
    );
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/^test\/rabbitmq: hardening weakens a default \(addCapabilities CAP_NET_ADMIN\) without a reason/);
  });

  test("rejects a read-only root for a broker", () => {
    const messages = problemMessages(
      (s) => new KafkaBroker(s, "kafka", { network: new Network(s, "net"), hardening: { readOnlyRootFilesystem: true } }),
    );
    expect(messages).toEqual([
      "test/kafka: hardening.readOnlyRootFilesystem: a broker keeps a writable root filesystem (its configuration is written there at create and start), got true. Fix: leave readOnlyRootFilesystem unset (false) for a broker",
    ]);
  });

  test("rejects a reason when nothing is weakened (the label would claim an exception)", () => {
    expect(problemMessages(appWith({ reason: "just in case" }))).toEqual([
      'test/app: hardening.reason is set but no default is weakened, got "just in case". Fix: remove the reason (the exception label would claim an exception that is not there)',
    ]);
  });
});

describe("bad values", () => {
  test.each<[string, unknown, RegExp]>([
    [
      "an unknown capability",
      { addCapabilities: ["NET_BIND"], reason: "r" },
      /hardening\.addCapabilities has an unknown Linux capability, got "NET_BIND"\. Fix: use names from capabilities\(7\)/,
    ],
    ["ALL as an added capability", { addCapabilities: ["ALL"], reason: "r" }, /hardening\.addCapabilities cannot add ALL, got "ALL"/],
    [
      "capabilities not a list",
      { addCapabilities: "NET_RAW", reason: "r" },
      /hardening\.addCapabilities must be a list of capability names, got "NET_RAW"/,
    ],
    [
      "a capability twice",
      { addCapabilities: ["NET_RAW", "cap_net_raw"], reason: "r" },
      /hardening\.addCapabilities names a capability twice, got "cap_net_raw"/,
    ],
    [
      "a relative tmpfs path",
      { tmpfsSizeMb: { tmp: 64 } },
      /hardening\.tmpfsSizeMb has a path that is not a clean absolute folder path, got "tmp"/,
    ],
    ["a tmpfs path with a trailing slash", { tmpfsSizeMb: { "/tmp/": 64 } }, /not a clean absolute folder path, got "\/tmp\/"/],
    ["a tmpfs path with ..", { tmpfsSizeMb: { "/tmp/../etc": 64 } }, /not a clean absolute folder path, got "\/tmp\/\.\.\/etc"/],
    ["tmpfs on /", { tmpfsSizeMb: { "/": 64 } }, /not a clean absolute folder path, got "\/"/],
    ["a tmpfs of 0 MiB", { tmpfsSizeMb: { "/tmp": 0 } }, /hardening\.tmpfsSizeMb\["\/tmp"\] must be an integer between 1 and 16384, got 0/],
    [
      "a fractional tmpfs size",
      { tmpfsSizeMb: { "/tmp": 1.5 } },
      /hardening\.tmpfsSizeMb\["\/tmp"\] must be an integer between 1 and 16384, got 1\.5/,
    ],
    ["a tmpfs of 100000 MiB", { tmpfsSizeMb: { "/tmp": 100000 } }, /must be an integer between 1 and 16384, got 100000/],
    ["log files of 0 MiB", { logMaxSizeMb: 0 }, /hardening\.logMaxSizeMb must be an integer between 1 and 1024, got 0/],
    ["log files of 2000 MiB", { logMaxSizeMb: 2000 }, /hardening\.logMaxSizeMb must be an integer between 1 and 1024, got 2000/],
    ["0 log files", { logMaxFiles: 0 }, /hardening\.logMaxFiles must be an integer between 1 and 100, got 0/],
    ["101 log files", { logMaxFiles: 101 }, /hardening\.logMaxFiles must be an integer between 1 and 100, got 101/],
    [
      "log sizes with rotation off",
      { logRotation: false, logMaxFiles: 5, reason: "r" },
      /logMaxSizeMb \/ logMaxFiles have no effect with logRotation: false/,
    ],
    ["an empty reason", { noNewPrivileges: false, reason: " " }, /hardening\.reason must be a non-empty string, got " "/],
    ["a flag that is not a boolean", { noNewPrivileges: "no" }, /hardening\.noNewPrivileges must be true or false, got "no"/],
    ["an unknown field", { readOnly: false }, /hardening has no field "readOnly"/],
    ["hardening not an object", "strict", /hardening must be an object, got "strict"/],
  ])("rejects %s", (_name, hardening, expected) => {
    const messages = problemMessages(appWith(hardening as ContainerHardening));
    expect(messages.length).toBeGreaterThanOrEqual(1);
    expect(messages[0]).toMatch(/^test\/app: /);
    expect(messages.join("\n")).toMatch(expected);
  });

  test("accepts capability names in any case, with or without CAP_, rendered as the engine reports them", () => {
    const c = appContainer({ addCapabilities: ["cap_net_raw", "Net_Bind_Service"], reason: "r" });
    expect(c.capabilities.add).toEqual(["CAP_NET_BIND_SERVICE", "CAP_NET_RAW"]);
  });

  test("rejects an app health file outside every tmpfs of a read-only root", () => {
    expect(problemMessages(app({ environment: { HEALTH_FILE: "/var/run/app-healthy" } }))).toEqual([
      'test/app: environment.HEALTH_FILE is outside every tmpfs of the read-only root filesystem: the app could not write it, got "/var/run/app-healthy". Fix: put it under /tmp (e.g. /tmp/app-healthy), or add its folder to hardening.tmpfsSizeMb',
    ]);
    expect(
      problemMessages(app({ environment: { HEALTH_FILE: "/var/run/app-healthy" }, hardening: { tmpfsSizeMb: { "/var/run": 1 } } })),
    ).toEqual([]);
    expect(
      problemMessages(
        app({ environment: { HEALTH_FILE: "/var/run/app-healthy" }, hardening: { readOnlyRootFilesystem: false, reason: "r" } }),
      ),
    ).toEqual([]);
  });
});

describe("the hardening-sha256 label", () => {
  const hash = (hardening?: ContainerHardening) => labelsOf(appContainer(hardening))[HASH];

  test("is the same for the same settings, given or defaulted", () => {
    expect(hash({})).toBe(hash());
    expect(hash({ tmpfsSizeMb: { "/tmp": 64 }, logMaxSizeMb: 10, logMaxFiles: 3 })).toBe(hash());
  });

  // The provider does not apply a tmpfs change to an existing container
  // (see hardeningHash): the label is what makes the change replace it.
  test("changes when a tmpfs size or folder changes", () => {
    expect(hash({ tmpfsSizeMb: { "/tmp": 32 } })).not.toBe(hash());
    expect(hash({ tmpfsSizeMb: { "/tmp": 64, "/run/app": 8 } })).not.toBe(hash());
  });

  test("changes when any other hardening setting changes", () => {
    const hashes = [
      hash(),
      hash({ logMaxSizeMb: 20 }),
      hash({ logMaxFiles: 4 }),
      hash({ logRotation: false, reason: "r" }),
      hash({ noNewPrivileges: false, reason: "r" }),
      hash({ addCapabilities: ["NET_RAW"], reason: "r" }),
      hash({ readOnlyRootFilesystem: false, reason: "r" }),
    ];
    expect(new Set(hashes).size).toBe(hashes.length);
  });

  test("is on broker nodes too, and changes with their settings", () => {
    const brokerHash = (hardening?: ContainerHardening) => {
      const stack = newStack();
      new KafkaBroker(stack, "kafka", { network: new Network(stack, "net"), ...(hardening ? { hardening } : {}) });
      return labelsOf(container(synth(stack).json, "kafka"))[HASH];
    };
    expect(brokerHash()).toMatch(/^[0-9a-f]{16}$/);
    expect(brokerHash({ tmpfsSizeMb: { "/tmp": 64 } })).not.toBe(brokerHash());
  });
});

describe("settings that would keep the container from starting", () => {
  const shipped = () => ShippedApps.rabbitmqConsumer();
  const healthy = HealthCheck.exec(["test", "-f", "/tmp/app-healthy"]);
  test.each<[string, (s: TerraformStack) => void, RegExp]>([
    [
      "a tmpfs over the folder the image's Dockerfile puts the app in",
      (s) => new AppContainer(s, "app", { image: shipped(), hardening: { tmpfsSizeMb: { "/tmp": 16, "/app": 16 } } }),
      /tmpfs at \/app, over \/app, where the image's Dockerfile puts its files .*Fix: give the program another folder for scratch files, e\.g\. \/tmp or \/app\/tmp/,
    ],
    [
      "a tmpfs over a broker's data volume",
      (s) => new RabbitMqBroker(s, "mq", { network: new Network(s, "net"), hardening: { tmpfsSizeMb: { "/var/lib/rabbitmq": 64 } } }),
      /tmpfs at \/var\/lib\/rabbitmq, over the volume mounted at \/var\/lib\/rabbitmq: Docker refuses the duplicate mount .*Fix: remove it/,
    ],
    [
      "no tmpfs at all, on a read-only root, with a health check that waits for a file",
      (s) => new AppContainer(s, "app", { image: shipped(), healthCheck: healthy, hardening: { tmpfsSizeMb: {} } }),
      /healthCheck waits for \/tmp\/app-healthy, but the root filesystem is read-only .*Fix: keep a tmpfs over its folder \(hardening\.tmpfsSizeMb: \{ "\/tmp": 16 \}\)/,
    ],
    [
      "PATH without the standard folders",
      (s) => new AppContainer(s, "app", { image: shipped(), environment: { PATH: "/opt/tools" } }),
      /environment\.PATH replaces the image's search path and leaves out \/usr\/local\/bin, \/usr\/bin, \/bin.*Fix: remove PATH .*"\/opt\/tools:\/usr\/local\/bin:\/usr\/bin:\/bin"/,
    ],
  ])("refuses %s", (_, build, message) => {
    expect(problemMessages(build)).toEqual([expect.stringMatching(message)]);
  });

  test("accepts the same settings where they are harmless: a tmpfs under the app's folder, PATH with the standard folders", () => {
    const build = (stack: TerraformStack) =>
      new AppContainer(stack, "app", {
        image: shipped(),
        healthCheck: healthy,
        environment: { PATH: "/opt/tools:/usr/local/bin:/usr/bin:/bin" },
        hardening: { tmpfsSizeMb: { "/tmp": 16, "/app/cache": 16 } },
      });
    expect(problemMessages(build)).toEqual([]);
  });
});
