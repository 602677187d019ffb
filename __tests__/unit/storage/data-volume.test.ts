import type { TerraformStack } from "cdktf";
import { DataVolume, Network, RabbitMqBroker } from "../../../constructs";
import { newStack, problemMessages, resources, synth } from "../helpers";

describe("DataVolume", () => {
  test("is a docker_volume only when it is destroyed with the stack", () => {
    const stack = newStack();
    const kept = new DataVolume(stack, "kept", { name: "kept" });
    const gone = new DataVolume(stack, "gone", { name: "gone", removalPolicy: "destroy", labels: { tier: "data" } });
    const { json } = synth(stack);
    expect(resources(json, "docker_volume").map((v) => v.name)).toEqual(["gone"]);
    expect(resources(json, "docker_volume")[0].labels).toEqual(expect.arrayContaining([{ label: "tier", value: "data" }]));
    expect(JSON.stringify(json)).not.toContain("prevent_destroy");
    expect(kept.removalPolicy).toBe("retain");
    expect(gone.removalPolicy).toBe("destroy");
  });

  test("a retained volume is mounted by its literal name; a managed one by a reference", () => {
    const stack = newStack();
    const kept = new DataVolume(stack, "kept", { name: "kept" });
    const gone = new DataVolume(stack, "gone", { name: "gone", removalPolicy: "destroy" });
    expect(kept.volumeName).toBe("kept");
    expect(kept.resource).toBeUndefined();
    expect(gone.volumeName).toMatch(/^\$\{TfToken\[/);
    expect(gone.node.defaultChild).toBe(gone.resource);
  });

  test("takes Docker's volume names: two characters up to 128", () => {
    for (const name of ["ab", "a".repeat(128), "a_b.c-d", "0x"]) {
      expect(problemMessages((s) => new DataVolume(s, "vol", { name }))).toEqual([]);
    }
  });
});

describe("DataVolume: bad input", () => {
  const rejects: [string, (s: TerraformStack) => unknown, RegExp][] = [
    [
      "rejects a name starting with '.'",
      (s) => new DataVolume(s, "vol", { name: ".hidden" }),
      /^test\/vol: name is not a valid Docker volume name, got "\.hidden"\. Fix: use 2-128 characters/,
    ],
    [
      "rejects a one-character name",
      (s) => new DataVolume(s, "vol", { name: "v" }),
      /^test\/vol: name is not a valid Docker volume name, got "v"\. Fix: use 2-128 characters/,
    ],
    [
      "rejects a name of 129 characters",
      (s) => new DataVolume(s, "vol", { name: "v".repeat(129) }),
      /^test\/vol: name is not a valid Docker volume name, got "v{129}"\. Fix: /,
    ],
    [
      "rejects a name with a slash",
      (s) => new DataVolume(s, "vol", { name: "data/x" }),
      /^test\/vol: name is not a valid Docker volume name, got "data\/x"\. Fix: /,
    ],
    [
      "rejects a removal policy that is not retain or destroy",
      (s) => new DataVolume(s, "vol", { name: "data", removalPolicy: "keep" as never }),
      /^test\/vol: removalPolicy is not one of "retain", "destroy", got "keep"\. Fix: use one of them/,
    ],
    [
      "rejects an unknown prop, suggesting the close one",
      (s) => new DataVolume(s, "vol", { name: "data", removalpolicy: "destroy" } as never),
      /^test\/vol: DataVolumeProps has no field "removalpolicy", got "removalpolicy"\. Fix: did you mean "removalPolicy"\?/,
    ],
    [
      "rejects a broker's bad dataRemovalPolicy once (on the broker, not again on its volume)",
      (s) => new RabbitMqBroker(s, "mq", { network: new Network(s, "net"), dataRemovalPolicy: "keep" as never }),
      /^test\/mq: dataRemovalPolicy is not one of "retain", "destroy", got "keep"\. Fix: use one of them/,
    ],
    [
      "rejects a volume name used twice in a stack",
      (s) => {
        new DataVolume(s, "first", { name: "data" });
        new DataVolume(s, "vol", { name: "data", removalPolicy: "destroy" });
      },
      /^test\/vol: the volume name "data" is already used by test\/first, got "data"\. Fix: give each broker its own name \(its volume is <name>-data\)/,
    ],
    [
      "rejects a volume named like a broker's data volume",
      (s) => {
        new RabbitMqBroker(s, "mq", { network: new Network(s, "net") });
        new DataVolume(s, "vol", { name: "mq-data" });
      },
      /^test\/vol: the volume name "mq-data" is already used by test\/mq\/data, got "mq-data"\. Fix: /,
    ],
  ];

  test.each(rejects)("%s", (_name, build, message) => {
    const messages = problemMessages(build);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(message);
  });
});
