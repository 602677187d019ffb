import type { TerraformStack } from "cdktf";
import { Network as DockerNetwork } from "@cdktf/provider-docker/lib/network";
import { Network, type NetworkProps } from "../../../constructs";
import { newStack, problemMessages, resources, synth } from "../helpers";

describe("Network", () => {
  test("is a bridge network named after the construct, internal only when asked", () => {
    const stack = newStack();
    new Network(stack, "messaging", { labels: { tier: "backend" } });
    new Network(stack, "private", { name: "private-net", internal: true });
    const { text } = synth(stack);
    expect(text).toHaveResourceWithProperties(DockerNetwork, {
      name: "messaging",
      driver: "bridge",
      internal: false,
      labels: expect.arrayContaining([{ label: "tier", value: "backend" }]),
    });
    expect(text).toHaveResourceWithProperties(DockerNetwork, { name: "private-net", internal: true });
  });

  test("its networkName is a reference to the network (it carries the dependency); defaultChild is the docker_network", () => {
    const stack = newStack();
    const network = new Network(stack, "net");
    expect(network.networkName).toMatch(/^\$\{TfToken\[/);
    expect(network.node.defaultChild).toBe(network.resource);
    expect(resources(synth(stack).json, "docker_network").map((n) => n.name)).toEqual(["net"]);
  });

  test("takes Docker's network names: one character, 128 characters, '_', '.' and '-'", () => {
    for (const name of ["n", "N", "0", "a".repeat(128), "a_b.c-d"]) {
      expect(problemMessages((s) => new Network(s, "net", { name }))).toEqual([]);
    }
  });

  test("escapes Terraform template sequences in labels", () => {
    const stack = newStack();
    new Network(stack, "net", { labels: { note: "${not-a-ref}" } });
    expect(resources(synth(stack).json, "docker_network")[0].labels).toEqual([{ label: "note", value: "$${not-a-ref}" }]);
  });
});

describe("Network: bad input", () => {
  const network = (props: NetworkProps) => (s: TerraformStack) => new Network(s, "net", props);
  const rejects: [string, (s: TerraformStack) => unknown, RegExp][] = [
    [
      "rejects a name with a slash",
      network({ name: "bad/name" }),
      /^test\/net: name is not a valid Docker network name, got "bad\/name"\. Fix: use 1-128 characters: a letter or digit/,
    ],
    [
      "rejects a name with a space",
      network({ name: "shop net" }),
      /^test\/net: name is not a valid Docker network name, got "shop net"\. Fix: use 1-128 characters/,
    ],
    [
      "rejects a name starting with '-'",
      network({ name: "-net" }),
      /^test\/net: name is not a valid Docker network name, got "-net"\. Fix: /,
    ],
    [
      "rejects a name starting with '.'",
      network({ name: ".net" }),
      /^test\/net: name is not a valid Docker network name, got "\.net"\. Fix: /,
    ],
    ["rejects an empty name", network({ name: "" }), /^test\/net: name is not a valid Docker network name, got ""\. Fix: /],
    [
      "rejects a name of 129 characters",
      network({ name: "n".repeat(129) }),
      /^test\/net: name is not a valid Docker network name, got "n{129}"\. Fix: /,
    ],
    [
      "rejects internal that is not a boolean",
      network({ internal: "yes" as never }),
      /^test\/net: internal must be true or false, got "yes"\. Fix: pass a boolean, not string/,
    ],
    [
      "rejects labels that are a list",
      network({ labels: ["a"] as never }),
      /^test\/net: labels must be an object of label names to string values, got \["a"\]\. Fix: /,
    ],
    [
      "rejects a label value that is not a string",
      network({ labels: { tier: 1 as never } }),
      /^test\/net: labels\.tier must be a string, got 1\. Fix: pass "1" \(a string\)/,
    ],
    [
      "rejects an empty label name",
      network({ labels: { "": "x" } }),
      /^test\/net: labels has an empty label name, got ""\. Fix: name every label/,
    ],
    [
      "rejects an unknown prop, suggesting the close one",
      network({ nam: "x" } as never),
      /^test\/net: NetworkProps has no field "nam", got "nam"\. Fix: did you mean "name"\?/,
    ],
    [
      "rejects a network name used twice in a stack",
      (s) => {
        new Network(s, "first", { name: "shared" });
        new Network(s, "net", { name: "shared" });
      },
      /^test\/net: the network name "shared" is already used by test\/first, got "shared"\. Fix: give each Network its own name/,
    ],
    [
      "rejects a construct id reused as another network's name",
      (s) => {
        new Network(s, "net");
        new Network(s, "other", { name: "net" });
      },
      /^test\/other: the network name "net" is already used by test\/net, got "net"\. Fix: /,
    ],
  ];

  test.each(rejects)("%s", (_name, build, message) => {
    const messages = problemMessages(build);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(message);
  });

  test("the same network name in two stacks is fine (names are claimed per stack)", () => {
    const one = newStack("one");
    const two = newStack("two");
    new Network(one, "net", { name: "shared" });
    new Network(two, "net", { name: "shared" });
    expect(() => synth(one)).not.toThrow();
    expect(() => synth(two)).not.toThrow();
  });
});
