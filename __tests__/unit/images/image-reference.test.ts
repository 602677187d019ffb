/**
 * Docker's image reference grammar (constructs/images/image-reference.ts).
 * Each rejected reference is checked twice: the problem the grammar finds,
 * and the problem an AppContainer on `fromRegistry(reference)` reports (path,
 * value and fix). Each valid one synthesizes a docker_image of that name.
 */
import { AppContainer, ContainerImage } from "../../../constructs";
import { imageReferenceProblem } from "../../../constructs/images/image-reference";
import { newStack, problemMessages, resources, synth } from "../helpers";

const SHA256 = "sha256:" + "0123456789abcdef".repeat(4);
const SHA512 = "sha512:" + "0123456789abcdef".repeat(8);
const SHA384 = "sha384:" + "0123456789abcdef".repeat(6);
const HEX32 = "0123456789abcdef".repeat(2);
const UPPER64 = "0123456789ABCDEF".repeat(4);
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

const registryApp = (reference: string) =>
  problemMessages((s) => new AppContainer(s, "app", { image: ContainerImage.fromRegistry(reference) }));

describe("rejected references", () => {
  // [what, reference, the problem the grammar names]
  const rejects: [string, string, string][] = [
    ["rejects an empty reference", "", "is empty"],
    ["rejects upper case in the name", "Nginx", 'has upper case in "Nginx"'],
    ["rejects upper case after a registry", "localhost:5000/Team/app", 'has upper case in "Team"'],
    ["rejects upper case in a path component", "acme/App:1", 'has upper case in "App"'],
    ["rejects a space inside", "ng inx", "contains white space"],
    ["rejects a leading space", " nginx", "contains white space"],
    ["rejects a trailing newline", "nginx:1.27\n", "contains white space"],
    ["rejects an empty tag", "nginx:", 'has an invalid tag ""'],
    ["rejects a tag starting with '-'", "nginx:-1", 'has an invalid tag "-1"'],
    ["rejects a tag starting with '.'", "nginx:.1", 'has an invalid tag ".1"'],
    ["rejects a tag of 129 characters", `nginx:${"t".repeat(129)}`, `has an invalid tag "${"t".repeat(129)}"`],
    ["rejects a tag with '+'", "nginx:1.0+build", 'has an invalid tag "1.0+build"'],
    ["rejects two tags", "nginx:latest:x", 'has an invalid name component "nginx:latest"'],
    ["rejects a short digest", "nginx@sha256:abc", 'has an invalid digest "sha256:abc"'],
    ["rejects an empty digest", "nginx@", 'has an invalid digest ""'],
    ["rejects a digest that is not hex", `nginx@sha256:${"g".repeat(64)}`, `has an invalid digest "sha256:${"g".repeat(64)}"`],
    ["rejects a digest without algorithm", `nginx@${"a".repeat(64)}`, `has an invalid digest "${"a".repeat(64)}"`],
    ["rejects two digests", `nginx@${SHA256}@${SHA256}`, "has an invalid digest"],
    ["rejects a sha256 digest of 32 hex digits (Docker wants 64)", `nginx@sha256:${HEX32}`, `has an invalid digest "sha256:${HEX32}"`],
    ["rejects a sha256 digest in upper-case hex", `nginx@sha256:${UPPER64}`, `has an invalid digest "sha256:${UPPER64}"`],
    ["rejects an md5 digest (an algorithm Docker does not verify)", `nginx@md5:${HEX32}`, `has an invalid digest "md5:${HEX32}"`],
    ["rejects a digest alone", `@${SHA256}`, 'has an invalid name component ""'],
    ["rejects a leading '-'", "-lead", 'has an invalid name component "-lead"'],
    ["rejects a trailing '-'", "trail-", 'has an invalid name component "trail-"'],
    ["rejects an empty path component", "a//b", 'has an invalid name component ""'],
    ["rejects a trailing slash", "a/b/", 'has an invalid name component ""'],
    ["rejects a leading slash", "/a", 'has an invalid name component ""'],
    ["rejects two dots", "a..b", 'has an invalid name component "a..b"'],
    ["rejects three underscores", "a___b", 'has an invalid name component "a___b"'],
    ["rejects '_' then '-'", "a_-b", 'has an invalid name component "a_-b"'],
    ["rejects a trailing dot", "a.", 'has an invalid name component "a."'],
    ["rejects a tag alone", ":1.0", 'has an invalid name component ""'],
    ["rejects a name longer than 255 characters", "a".repeat(256), "has a name longer than 255 characters"],
    ["rejects a registry host starting with '-'", "-bad.com/a", 'has an invalid registry host "-bad.com"'],
    ["rejects a registry host ending with '-'", "bad-.com/a", 'has an invalid registry host "bad-.com"'],
    ["rejects a registry port that is not a number", "host:port/a", 'has an invalid registry host "host:port"'],
    ["rejects a registry with an empty port", "example.com:/a", 'has an invalid registry host "example.com:"'],
    ["rejects an unclosed IPv6 registry", "[::1/x", 'has an invalid registry host "[::1"'],
    ["rejects a registry with '_' (upper case makes it a host)", "REG_1/x", 'has an invalid registry host "REG_1"'],
  ];

  test.each(rejects)("%s", (_what, reference, problem) => {
    expect(imageReferenceProblem(reference)).toContain(problem);
    const messages = registryApp(reference);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(
      new RegExp(
        `^test/app: image is not a valid image reference: it ${esc(imageReferenceProblem(reference)!)}, got ${esc(JSON.stringify(reference).slice(0, 197))}.*\\. Fix: use \\[registry/\\]name\\[:tag\\]\\[@digest\\] with a lower-case name`,
      ),
    );
  });

  test("the table has at least 25 rows, all named 'rejects ...'", () => {
    expect(rejects.length).toBeGreaterThanOrEqual(25);
    for (const [name] of rejects) expect(name).toMatch(/^rejects /);
  });

  test("rejects a reference that is not a string", () => {
    expect(registryApp(42 as never)).toEqual([
      'test/app: image must be an image reference string, got 42. Fix: use e.g. "rabbitmq:4.3-management" or "ghcr.io/acme/app:1.2.3"',
    ]);
  });

  test("rejects a tag or digest where only a name may be (fromBuild's name)", () => {
    expect(imageReferenceProblem("app:1", { tagAllowed: false })).toBe("may not carry a tag here (set the tag option instead)");
    expect(imageReferenceProblem(`app@${SHA256}`, { tagAllowed: false })).toBe("may not carry a digest here");
    expect(imageReferenceProblem("localhost:5000/app", { tagAllowed: false })).toBeUndefined();
  });
});

describe("valid references", () => {
  const accepts: [string, string][] = [
    ["a registry with a port and a nested path", "localhost:5000/a/b:1"],
    ["an IPv6 registry with a port", "[::1]:5000/x"],
    ["an IPv6 registry without a port", "[fe80::1]/x:1"],
    ["a double underscore", "a__b"],
    ["several hyphens", "a---b"],
    ["mixed separators", "a.b_c-d"],
    ["a sha256 digest", `nginx@${SHA256}`],
    ["a sha512 digest", `nginx@${SHA512}`],
    ["a sha384 digest (96 lower-case hex digits)", `nginx@${SHA384}`],
    ["a registry, a tag and a sha512 digest (128 lower-case hex digits)", `registry:5000/team/nginx:1.27@${SHA512}`],
    ["a tag and a digest", `nginx:1.27@${SHA256}`],
    ["a registry domain with capitals", "Registry.example.com/x"],
    ["a registry host in capitals without a dot", "REG/x"],
    ["localhost as registry", "localhost/x"],
    ["localhost as a name with a tag that looks like a port", "localhost:5000"],
    ["a one-letter name", "a"],
    ["digits only", "0/1/2"],
    ["a tag in capitals", "nginx:TAG"],
    ["a tag starting with '_'", "nginx:_tag"],
    ["a tag of 128 characters", `nginx:${"t".repeat(128)}`],
    ["a name of 255 characters", "a".repeat(255)],
    ["an official image in full", "docker.io/library/nginx:1.27"],
    ["a registry with a port and a team", "registry:5000/team/nginx:1.27"],
    ["a release-candidate tag", "ghcr.io/acme/app:1.0-rc_1"],
  ];

  test.each(accepts)("accepts %s (%s)", (_what, reference) => {
    expect(imageReferenceProblem(reference)).toBeUndefined();
    const stack = newStack();
    new AppContainer(stack, "app", { image: ContainerImage.fromRegistry(reference) });
    expect(resources(synth(stack).json, "docker_image").map((i) => i.name)).toEqual([reference]);
  });

  test("the table has at least 15 rows", () => {
    expect(accepts.length).toBeGreaterThanOrEqual(15);
  });
});
