import { RabbitNode, RabbitNodeError, RabbitNodes } from "../../../apps/shared/rabbitmq-nodes";

const URLS = ["amqp://u:p@rabbit-1:5672/%2F", "amqp://u:p@rabbit-2:5672/%2F", "amqp://u:p@rabbit-3:5672/%2F"];
const HEAD_START_MS = 40;

type Behaviour = "ok" | "refused" | "silent" | { okAfterMs: number } | { failAfterMs: number };

/** A fake connect: each node answers as told; records the order of attempts and every close. */
function fakeCluster(behaviour: Record<string, Behaviour>) {
  const attempts: string[] = [];
  const closed: string[] = [];
  const connect = (node: RabbitNode) => {
    attempts.push(node.address);
    const how = behaviour[node.address] ?? "ok";
    const connection = { node: node.address, close: async () => void closed.push(node.address) };
    if (how === "ok") return Promise.resolve(connection);
    if (how === "refused") return Promise.reject(new Error("connect ECONNREFUSED"));
    if (how === "silent") return new Promise<typeof connection>(() => undefined);
    if ("okAfterMs" in how) return new Promise<typeof connection>((resolve) => setTimeout(() => resolve(connection), how.okAfterMs));
    return new Promise<typeof connection>((_, reject) => setTimeout(() => reject(new Error("connect ETIMEDOUT")), how.failAfterMs));
  };
  const openOn = async (node: RabbitNode, connection: { node: string }) => ({ node: node.address, connection: connection.node });
  return { attempts, closed, connect, openOn };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("RabbitNodes: which node a RabbitMQ app connects to", () => {
  test("healthy: the node in turn alone, round robin from the first", async () => {
    const nodes = new RabbitNodes(URLS, HEAD_START_MS);
    const cluster = fakeCluster({});
    const used = [];
    for (let i = 0; i < 4; i++) used.push((await nodes.open(cluster.connect, cluster.openOn)).node);
    expect(used).toEqual(["rabbit-1:5672", "rabbit-2:5672", "rabbit-3:5672", "rabbit-1:5672"]);
    await sleep(HEAD_START_MS * 2);
    expect(cluster.attempts).toEqual(used);
    expect(cluster.closed).toEqual([]);
  });

  test("a silent node in turn (hung, cut off) costs its head start, not its connect timeout: the next node that answers wins", async () => {
    const nodes = new RabbitNodes(URLS, HEAD_START_MS);
    const cluster = fakeCluster({ "rabbit-1:5672": "silent", "rabbit-2:5672": { okAfterMs: 20 } });
    const started = Date.now();
    const session = await nodes.open(cluster.connect, cluster.openOn);
    const took = Date.now() - started;
    // rabbit-3 answers at once once tried; rabbit-2 20 ms later and is closed.
    expect(session).toEqual({ node: "rabbit-3:5672", connection: "rabbit-3:5672" });
    expect(took).toBeGreaterThanOrEqual(HEAD_START_MS - 5);
    expect(took).toBeLessThan(HEAD_START_MS + 500);
    await sleep(60);
    expect(cluster.attempts).toEqual(["rabbit-1:5672", "rabbit-2:5672", "rabbit-3:5672"]);
    expect(cluster.closed).toEqual(["rabbit-2:5672"]);
    // The next attempt starts after the node used.
    expect((await nodes.open(fakeCluster({}).connect, cluster.openOn)).node).toBe("rabbit-1:5672");
  });

  test("a node in turn that refuses at once starts the others at once, without waiting for its head start", async () => {
    const nodes = new RabbitNodes(URLS, 5000);
    const cluster = fakeCluster({ "rabbit-1:5672": "refused", "rabbit-2:5672": "silent" });
    const started = Date.now();
    expect((await nodes.open(cluster.connect, cluster.openOn)).node).toBe("rabbit-3:5672");
    expect(Date.now() - started).toBeLessThan(1000);
  });

  test("no node connects: a RabbitNodeError naming the node in turn first, then the others, after the slowest has failed; the next call starts one node on", async () => {
    const nodes = new RabbitNodes(URLS, HEAD_START_MS);
    const cluster = fakeCluster({ "rabbit-1:5672": "refused", "rabbit-2:5672": { failAfterMs: 30 }, "rabbit-3:5672": "refused" });
    const error = await nodes.open(cluster.connect, cluster.openOn).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(RabbitNodeError);
    expect((error as RabbitNodeError).node.address).toBe("rabbit-1:5672");
    expect((error as Error).message).toBe(
      "rabbit-1:5672: connect ECONNREFUSED; rabbit-2:5672: connect ETIMEDOUT; rabbit-3:5672: connect ECONNREFUSED",
    );
    expect(((error as Error).cause as Error).message).toBe("connect ECONNREFUSED");
    const next = fakeCluster({});
    expect((await nodes.open(next.connect, next.openOn)).node).toBe("rabbit-2:5672");
  });

  test("a session that fails to open on the winning connection closes it and names that node", async () => {
    const nodes = new RabbitNodes(URLS, HEAD_START_MS);
    const cluster = fakeCluster({});
    const failing = async () => {
      throw new Error("NOT_FOUND - no exchange 'orders'");
    };
    const error = (await nodes.open(cluster.connect, failing).catch((err: unknown) => err)) as RabbitNodeError;
    expect(error.message).toBe("rabbit-1:5672: NOT_FOUND - no exchange 'orders'");
    expect(cluster.closed).toEqual(["rabbit-1:5672"]);
  });

  test("one node: no race, its own error", async () => {
    const nodes = new RabbitNodes([URLS[1]], HEAD_START_MS);
    const cluster = fakeCluster({ "rabbit-2:5672": "refused" });
    await expect(nodes.open(cluster.connect, cluster.openOn)).rejects.toThrow(/^rabbit-2:5672: connect ECONNREFUSED$/);
    expect(cluster.attempts).toEqual(["rabbit-2:5672"]);
  });
});
