import { createServer, IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";
import { describeError } from "./logger";

/** Where Prometheus scrapes. */
export const METRICS_PATH = "/metrics";

/** The words Node's errors put after these codes, for the one stderr line of a port the app cannot listen on. */
const LISTEN_ERRORS: Record<string, string> = {
  EADDRINUSE: "address already in use",
  EACCES: "permission denied",
  EADDRNOTAVAIL: "address not available",
};

/** Why `listen` failed, as `EADDRINUSE: address already in use`. */
export function describeListenError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code !== undefined && LISTEN_ERRORS[code]) return `${code}: ${LISTEN_ERRORS[code]}`;
  return code ?? describeError(err);
}

/**
 * The HTTP server of METRICS_PORT: GET and HEAD /metrics answer with the
 * registry's Prometheus text, anything else with 404 (other paths) or 405
 * (other methods). Nothing else is served, and nothing is logged per scrape.
 */
export class MetricsServer {
  private constructor(private readonly server: Server) {}

  /** Listens on `host:port`; rejects with the listen error (EADDRINUSE, EACCES...). */
  static listen(registry: Registry, port: number, host = "0.0.0.0"): Promise<MetricsServer> {
    // A scrape that goes wrong (the scraper hung up, say) costs that scrape, never the app.
    const server = createServer((request, response) => respond(registry, request, response).catch(() => response.destroy()));
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen({ port, host }, () => {
        server.off("error", reject);
        // Once listening, an error (an accept failing for want of file descriptors) must not crash the app.
        server.on("error", () => undefined);
        resolve(new MetricsServer(server));
      });
    });
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Stops listening and drops open connections (a scrape in progress is cut). */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

async function respond(registry: Registry, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const path = (request.url ?? "/").split("?", 1)[0];
  if (path !== METRICS_PATH) {
    response.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end(`not found: the metrics are at ${METRICS_PATH}\n`);
    return;
  }
  if (request.method !== "GET" && request.method !== "HEAD") {
    response.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain; charset=utf-8" }).end("method not allowed\n");
    return;
  }
  let body: string;
  try {
    body = await registry.metrics();
  } catch (err) {
    response.writeHead(500, { "content-type": "text/plain; charset=utf-8" }).end(`${describeError(err)}\n`);
    return;
  }
  response.writeHead(200, { "content-type": registry.contentType, "content-length": Buffer.byteLength(body) });
  // Node sends no body in answer to HEAD, whatever end() is given.
  response.end(body);
}
