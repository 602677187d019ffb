import { Annotations, Aspects } from "cdktf";
import type { IConstruct } from "constructs";
import {
  addMessagingAspects,
  AppContainer,
  CommonLabels,
  ContainerImage,
  ImageTagWarning,
  Network,
  RabbitMqBroker,
  UniqueHostPorts,
  imageTag,
} from "../../constructs";
import { container, labelsOf, newStack, resources, synth } from "./helpers";

function warnings(scope: IConstruct): string[] {
  return scope.node
    .findAll()
    .flatMap((c) => c.node.metadata)
    .filter((m) => String(m.type).includes("warn"))
    .map((m) => String(m.data));
}

describe("CommonLabels", () => {
  test("labels every container, network, volume and built image; own labels win", () => {
    const stack = newStack();
    Aspects.of(stack).add(new CommonLabels({ labels: { owner: "platform", team: "default" } }));
    const network = new Network(stack, "net");
    new RabbitMqBroker(stack, "rabbitmq", { network, dataRemovalPolicy: "destroy", labels: { team: "messaging" } });
    const { json } = synth(stack);
    const expected = { owner: "platform", "cdktf-docker-messaging.stack": "test", "cdktf-docker-messaging.managed-by": "cdktf" };
    expect(labelsOf(container(json, "rabbitmq"))).toMatchObject({ ...expected, team: "messaging" });
    for (const type of ["docker_network", "docker_volume"]) {
      for (const r of resources(json, type)) expect(labelsOf(r)).toMatchObject(expected);
    }
  });
});

describe("UniqueHostPorts", () => {
  test("rejects a host port published twice", () => {
    const stack = newStack();
    Aspects.of(stack).add(new UniqueHostPorts());
    const network = new Network(stack, "net");
    new RabbitMqBroker(stack, "rabbitmq", { network, managementHostPort: 8080 });
    new AppContainer(stack, "web", { image: ContainerImage.fromRegistry("nginx:1.27"), ports: [{ containerPort: 80, hostPort: 8080 }] });
    expect(() => synth(stack)).toThrow(/test\/web\/replica-1: host port 8080\/tcp on 127.0.0.1 is already published by test\/rabbitmq\/container/);
  });

  test("accepts the same port on two addresses and different ports", () => {
    const stack = newStack();
    Aspects.of(stack).add(new UniqueHostPorts());
    const image = ContainerImage.fromRegistry("nginx:1.27");
    new AppContainer(stack, "a", { image, ports: [{ containerPort: 80, hostPort: 8080, hostIp: "127.0.0.1" }] });
    new AppContainer(stack, "b", { image, ports: [{ containerPort: 80, hostPort: 8080, hostIp: "127.0.0.2" }] });
    new AppContainer(stack, "c", { image, ports: [{ containerPort: 80, hostPort: 8081 }] });
    expect(() => synth(stack)).not.toThrow();
    expect(() => synth(stack)).not.toThrow(); // aspects run again on a second synth
  });

  test("rejects a port on every address clashing with one on loopback", () => {
    const stack = newStack();
    Aspects.of(stack).add(new UniqueHostPorts());
    const image = ContainerImage.fromRegistry("nginx:1.27");
    new AppContainer(stack, "a", { image, ports: [{ containerPort: 80, hostPort: 8080, hostIp: "0.0.0.0" }] });
    new AppContainer(stack, "b", { image, ports: [{ containerPort: 80, hostPort: 8080 }] });
    expect(() => synth(stack)).toThrow(/already published/);
  });
});

describe("ImageTagWarning", () => {
  test("warns on latest and untagged images, not on pinned ones", () => {
    const stack = newStack();
    Aspects.of(stack).add(new ImageTagWarning());
    new AppContainer(stack, "a", { image: ContainerImage.fromRegistry("nginx:latest") });
    new AppContainer(stack, "b", { image: ContainerImage.fromLocal("tool") });
    new AppContainer(stack, "c", { image: ContainerImage.fromRegistry("registry:5000/team/nginx:1.27") });
    synth(stack);
    const found = warnings(stack);
    expect(found).toEqual(
      expect.arrayContaining([expect.stringContaining('image "nginx:latest" uses the "latest" tag'), expect.stringContaining('image "tool" has no tag')]),
    );
    expect(found.join("\n")).not.toContain("team/nginx");
    expect(Annotations).toBeDefined();
  });

  test("reads tags the way Docker does", () => {
    expect(imageTag("nginx")).toBeUndefined();
    expect(imageTag("registry:5000/nginx")).toBeUndefined();
    expect(imageTag("registry:5000/nginx:1.2")).toBe("1.2");
    expect(imageTag("nginx@sha256:abc")).toBe("@digest");
  });
});

describe("addMessagingAspects", () => {
  test("adds the three aspects", () => {
    const stack = newStack();
    addMessagingAspects(stack);
    expect(Aspects.of(stack).all.map((a) => a.constructor.name)).toEqual(["CommonLabels", "UniqueHostPorts", "ImageTagWarning"]);
  });
});
