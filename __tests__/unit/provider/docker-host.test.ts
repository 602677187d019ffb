import { TerraformStack, Testing } from "cdktf";
import { DockerProvider } from "@cdktf/provider-docker/lib/provider";
import { DEFAULT_DOCKER_HOST, DOCKER_PROVIDER_VERSION, DockerHost, type DockerHostProps } from "../../../constructs";
import { problemMessages, synth } from "../helpers";

const saved = process.env.DOCKER_HOST;
afterEach(() => {
  if (saved === undefined) delete process.env.DOCKER_HOST;
  else process.env.DOCKER_HOST = saved;
});

/** A stack whose only DockerHost is built with `props`. */
function hostStack(props?: DockerHostProps): { stack: TerraformStack; host: DockerHost } {
  const stack = new TerraformStack(Testing.app(), "s");
  const host = new DockerHost(stack, "docker", props);
  return { stack, host };
}

/** The problems of a stack whose only DockerHost is built with `props` (problemMessages' stack has one already). */
function hostProblems(props?: DockerHostProps): string[] {
  return problemMessages((s) => {
    s.node.tryRemoveChild("docker");
    new DockerHost(s, "docker", props);
  });
}

describe("DockerHost", () => {
  test("uses the local socket by default", () => {
    delete process.env.DOCKER_HOST;
    const { stack, host } = hostStack();
    expect(synth(stack).text).toHaveProviderWithProperties(DockerProvider, { host: "unix:///var/run/docker.sock" });
    expect(host.host).toBe(DEFAULT_DOCKER_HOST);
  });

  test("DOCKER_HOST overrides the socket", () => {
    process.env.DOCKER_HOST = "tcp://10.0.0.5:2375";
    expect(synth(hostStack().stack).text).toHaveProviderWithProperties(DockerProvider, { host: "tcp://10.0.0.5:2375" });
  });

  test("an empty DOCKER_HOST counts as unset", () => {
    process.env.DOCKER_HOST = "";
    expect(hostStack().host.host).toBe(DEFAULT_DOCKER_HOST);
  });

  test("the host prop wins over DOCKER_HOST", () => {
    process.env.DOCKER_HOST = "tcp://10.0.0.5:2375";
    expect(synth(hostStack({ host: "ssh://deploy@build-host" }).stack).text).toHaveProviderWithProperties(DockerProvider, {
      host: "ssh://deploy@build-host",
    });
  });

  test("requires the provider version the mirror holds (4.6.0), not the bindings' 3.6.2", () => {
    const { json } = synth(hostStack().stack);
    expect(DOCKER_PROVIDER_VERSION).toBe("4.6.0");
    expect(json.terraform.required_providers.docker).toEqual({ source: "kreuzwerker/docker", version: "4.6.0" });
  });

  test("its defaultChild is the provider", () => {
    const { host } = hostStack();
    expect(host.node.defaultChild).toBe(host.provider);
  });

  test.each(["unix:///var/run/docker.sock", "tcp://127.0.0.1:2376", "ssh://user@host", "npipe:////./pipe/docker_engine"])(
    "accepts the engine address %s",
    (host) => {
      expect(hostProblems({ host })).toEqual([]);
    },
  );
});

describe("DockerHost: bad input", () => {
  // [name, problems of the build, expected message, how many problems]
  const rejects: [string, () => string[], RegExp, number?][] = [
    [
      "rejects an address without a scheme",
      () => hostProblems({ host: "localhost:2375" }),
      /^test\/docker: host is not a Docker engine address, got "localhost:2375"\. Fix: use "unix:\/\/\/var\/run\/docker\.sock", "tcp:\/\/host:2376" or "ssh:\/\/user@host"/,
    ],
    [
      "rejects an http address",
      () => hostProblems({ host: "http://docker:2375" }),
      /^test\/docker: host is not a Docker engine address, got "http:\/\/docker:2375"\. Fix: /,
    ],
    [
      "rejects a scheme with nothing after it",
      () => hostProblems({ host: "tcp://" }),
      /^test\/docker: host is not a Docker engine address, got "tcp:\/\/"\. Fix: /,
    ],
    // These two are reported twice: not a (non-empty) string, and so not an address either.
    [
      "rejects a host that is not a string",
      () => hostProblems({ host: 2375 as never }),
      /^test\/docker: host must be a non-empty string, got 2375\. Fix: pass a string/,
      1,
    ],
    [
      "rejects an empty host",
      () => hostProblems({ host: "" }),
      /^test\/docker: host must be a non-empty string, got ""\. Fix: pass a string/,
      1,
    ],
    [
      "rejects an unknown prop, suggesting the close one",
      () => hostProblems({ hots: "tcp://x:1" } as never),
      /^test\/docker: DockerHostProps has no field "hots", got "hots"\. Fix: did you mean "host"\?/,
    ],
    [
      "rejects a DOCKER_HOST that is no engine address",
      () => {
        process.env.DOCKER_HOST = "docker.internal:2375";
        return hostProblems();
      },
      /^test\/docker: host is not a Docker engine address, got "docker\.internal:2375"\. Fix: /,
    ],
    [
      "rejects a second DockerHost in a stack",
      () => problemMessages((s) => new DockerHost(s, "docker2")),
      /^test\/docker2: the stack already has a DockerHost \(test\/docker\), got "docker2"\. Fix: declare one DockerHost a stack/,
    ],
  ];

  test.each(rejects)("%s", (_name, problems, message, count = 1) => {
    const messages = problems();
    expect(messages).toEqual(expect.arrayContaining([expect.stringMatching(message)]));
    expect(messages).toHaveLength(count);
  });
});
