import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Aspects, Testing } from "cdktf";
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
} from "../../../constructs";
import { imageTag } from "../../../constructs/aspects/image-tag-warning";
import { problemsIn } from "../../../constructs/errors/problems";
import { container, labelsOf, newStack, problemMessages, resources, synth } from "../helpers";

function warnings(scope: IConstruct): string[] {
  return scope.node
    .findAll()
    .flatMap((c) => c.node.metadata)
    .filter((m) => String(m.type).includes("warn"))
    .map((m) => String(m.data));
}

const nginx = ContainerImage.fromRegistry("nginx:1.27");

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
      for (const r of resources(json, type)) expect(labelsOf(r)).toMatchObject({ ...expected, team: "default" });
    }
  });

  test("a built image carries the labels on both of the provider's build paths (BuildKit reads build.label, the legacy builder build.labels)", () => {
    const stack = newStack();
    Aspects.of(stack).add(new CommonLabels({ labels: { owner: "platform" } }));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "labels-"));
    fs.writeFileSync(path.join(dir, "Dockerfile"), "FROM scratch\n");
    new AppContainer(stack, "app", { image: ContainerImage.fromBuild(dir) });
    const build = resources(synth(stack).json, "docker_image")[0].build;
    const expected = { owner: "platform", "cdktf-docker-messaging.stack": "test", "cdktf-docker-messaging.managed-by": "cdktf" };
    expect(build.label).toMatchObject(expected);
    expect(build.labels).toEqual(build.label);
  });

  test("labels are sorted and escaped, and a second synth adds nothing twice", () => {
    const stack = newStack();
    Aspects.of(stack).add(new CommonLabels({ labels: { note: "${literal}" } }));
    new Network(stack, "net");
    synth(stack);
    const labels = resources(synth(stack).json, "docker_network")[0].labels;
    expect(labels.map((l: { label: string }) => l.label)).toEqual([
      "cdktf-docker-messaging.managed-by",
      "cdktf-docker-messaging.stack",
      "note",
    ]);
    expect(labelsOf(resources(synth(stack).json, "docker_network")[0]).note).toBe("$${literal}");
  });
});

describe("UniqueHostPorts", () => {
  test("rejects a host port published twice, naming both containers", () => {
    const messages = problemMessages((stack) => {
      Aspects.of(stack).add(new UniqueHostPorts());
      new RabbitMqBroker(stack, "rabbitmq", { network: new Network(stack, "net"), managementHostPort: 8080 });
      new AppContainer(stack, "web", { image: nginx, ports: [{ containerPort: 80, hostPort: 8080 }] });
    });
    expect(messages).toEqual([
      "test/web/replica-1: host port 8080/tcp on 127.0.0.1 is already published by test/rabbitmq/container, got 8080. Fix: publish each host port once: pick another host port for one of them",
    ]);
  });

  test("rejects a port on every address clashing with one on loopback", () => {
    const messages = problemMessages((stack) => {
      Aspects.of(stack).add(new UniqueHostPorts());
      new AppContainer(stack, "a", { image: nginx, ports: [{ containerPort: 80, hostPort: 8080, hostIp: "0.0.0.0" }] });
      new AppContainer(stack, "b", { image: nginx, ports: [{ containerPort: 80, hostPort: 8080 }] });
    });
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(
      /^test\/b\/replica-1: host port 8080\/tcp on 127\.0\.0\.1 is already published by test\/a\/replica-1, got 8080\. Fix: publish each host port once/,
    );
  });

  test("rejects a host port published by two apps once, however often synth runs", () => {
    const stack = newStack();
    Aspects.of(stack).add(new UniqueHostPorts());
    new AppContainer(stack, "a", { image: nginx, ports: [{ containerPort: 80, hostPort: 8080 }] });
    new AppContainer(stack, "b", { image: nginx, ports: [{ containerPort: 80, hostPort: 8080 }] });
    Testing.synth(stack);
    Testing.synth(stack); // the aspect visits every container again
    expect(problemsIn(stack).map((p) => p.message)).toEqual([
      "test/b/replica-1: host port 8080/tcp on 127.0.0.1 is already published by test/a/replica-1, got 8080. Fix: publish each host port once: pick another host port for one of them",
    ]);
  });

  test("rejects a port on every IPv4 address clashing with one on every IPv6 address", () => {
    const messages = problemMessages((stack) => {
      Aspects.of(stack).add(new UniqueHostPorts());
      new AppContainer(stack, "a", { image: nginx, ports: [{ containerPort: 80, hostPort: 8080, hostIp: "0.0.0.0" }] });
      new AppContainer(stack, "b", { image: nginx, ports: [{ containerPort: 80, hostPort: 8080, hostIp: "::" }] });
    });
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(
      /^test\/b\/replica-1: host port 8080\/tcp on :: is already published by test\/a\/replica-1, got 8080\. Fix: publish each host port once/,
    );
  });

  test("rejects a port on every IPv6 address ('::') clashing with one on loopback", () => {
    const messages = problemMessages((stack) => {
      Aspects.of(stack).add(new UniqueHostPorts());
      new AppContainer(stack, "a", { image: nginx, ports: [{ containerPort: 80, hostPort: 8080, hostIp: "::" }] });
      new AppContainer(stack, "b", { image: nginx, ports: [{ containerPort: 80, hostPort: 8080 }] });
    });
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(
      /^test\/b\/replica-1: host port 8080\/tcp on 127\.0\.0\.1 is already published by test\/a\/replica-1, got 8080\. Fix: /,
    );
  });

  test("rejects one container publishing a host port twice", () => {
    const messages = problemMessages((stack) => {
      Aspects.of(stack).add(new UniqueHostPorts());
      new AppContainer(stack, "web", {
        image: nginx,
        ports: [
          { containerPort: 80, hostPort: 8080 },
          { containerPort: 81, hostPort: 8080 },
        ],
      });
    });
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(
      /^test\/web\/replica-1: host port 8080\/tcp on 127\.0\.0\.1 is already published by test\/web\/replica-1, got 8080\. Fix: /,
    );
  });

  test("accepts the same port on two addresses and different ports, synth after synth", () => {
    const stack = newStack();
    Aspects.of(stack).add(new UniqueHostPorts());
    new AppContainer(stack, "a", { image: nginx, ports: [{ containerPort: 80, hostPort: 8080, hostIp: "127.0.0.1" }] });
    new AppContainer(stack, "b", { image: nginx, ports: [{ containerPort: 80, hostPort: 8080, hostIp: "127.0.0.2" }] });
    new AppContainer(stack, "c", { image: nginx, ports: [{ containerPort: 80, hostPort: 8081 }] });
    new AppContainer(stack, "d", { image: nginx, ports: [{ containerPort: 80, hostPort: 8080, hostIp: "::1" }] });
    expect(() => synth(stack)).not.toThrow();
    expect(() => synth(stack)).not.toThrow(); // the aspect visits every container again
  });
});

describe("ImageTagWarning", () => {
  test("warns on latest and untagged images, not on pinned ones", () => {
    const stack = newStack();
    Aspects.of(stack).add(new ImageTagWarning());
    new AppContainer(stack, "a", { image: ContainerImage.fromRegistry("nginx:latest") });
    new AppContainer(stack, "b", { image: ContainerImage.fromLocal("tool") });
    new AppContainer(stack, "c", { image: ContainerImage.fromRegistry("registry:5000/team/nginx:1.27") });
    new AppContainer(stack, "d", { image: ContainerImage.fromRegistry(`busybox@sha256:${"a".repeat(64)}`) });
    Testing.synth(stack); // one synth, as `cdktf synth` runs the aspects once
    const found = warnings(stack);
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringContaining('image "nginx:latest" uses the "latest" tag'),
        expect.stringContaining('image "tool" has no tag'),
      ]),
    );
    expect(found).toHaveLength(2);
    expect(found.join("\n")).not.toContain("team/nginx");
  });

  test("warns once on an untagged image, however often synth runs", () => {
    const stack = newStack();
    Aspects.of(stack).add(new ImageTagWarning());
    new AppContainer(stack, "a", { image: ContainerImage.fromRegistry("nginx") });
    Testing.synth(stack);
    Testing.synth(stack); // the aspect visits every image again
    expect(warnings(stack)).toEqual([expect.stringContaining('image "nginx" has no tag, so Docker uses "latest"')]);
  });

  test("reads tags the way Docker does", () => {
    expect(imageTag("nginx")).toBeUndefined();
    expect(imageTag("registry:5000/nginx")).toBeUndefined();
    expect(imageTag("registry:5000/nginx:1.2")).toBe("1.2");
    expect(imageTag("[::1]:5000/nginx")).toBeUndefined();
    expect(imageTag("nginx@sha256:abc")).toBe("@digest");
    expect(imageTag("nginx:latest")).toBe("latest");
  });
});

describe("addMessagingAspects", () => {
  test("adds the three aspects", () => {
    const stack = newStack();
    addMessagingAspects(stack);
    expect(Aspects.of(stack).all.map((a) => a.constructor.name)).toEqual(["CommonLabels", "UniqueHostPorts", "ImageTagWarning"]);
  });

  test("rejects an unknown option, suggesting the close one", () => {
    const messages = problemMessages((stack) => addMessagingAspects(stack, { label: { a: "b" } } as never));
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/^test: addMessagingAspects options has no field "label", got "label"\. Fix: did you mean "labels"\?/);
  });

  test("rejects a label value that is not a string", () => {
    const messages = problemMessages((stack) => addMessagingAspects(stack, { labels: { replicas: 2 as never } }));
    expect(messages).toEqual(['test: addMessagingAspects labels.replicas must be a string, got 2. Fix: pass "2" (a string)']);
  });
});
