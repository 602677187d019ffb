/**
 * Reading what an app's /metrics serves (Prometheus text format 0.0.4), as
 * the unit and apps suites check it.
 */
import { request } from "http";

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** One scrape's samples, and the metric families its `# TYPE` lines declare. */
export class Scrape {
  readonly samples: readonly Sample[];
  /** Family name -> type (`counter`, `gauge`, `histogram`...). */
  readonly types: ReadonlyMap<string, string>;

  constructor(readonly text: string) {
    const samples: Sample[] = [];
    const types = new Map<string, string>();
    for (const line of text.split("\n")) {
      const type = /^# TYPE (\S+) (\S+)$/.exec(line);
      if (type) types.set(type[1], type[2]);
      if (line === "" || line.startsWith("#")) continue;
      const sample = /^([A-Za-z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!sample) throw new Error(`not a Prometheus sample line: ${JSON.stringify(line)}`);
      const labels: Record<string, string> = {};
      for (const [, key, value] of (sample[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[key] = value;
      samples.push({ name: sample[1], labels, value: parseValue(sample[3]) });
    }
    this.samples = samples;
    this.types = types;
  }

  /** The samples of `name` (a sample name, like `x_bucket` or `x_count`). */
  series(name: string): Sample[] {
    return this.samples.filter((sample) => sample.name === name);
  }

  /** The value of the one sample of `name` with exactly `labels`; undefined if there is none. */
  value(name: string, labels: Record<string, string> = {}): number | undefined {
    const wanted = JSON.stringify(Object.entries(labels).sort());
    return this.series(name).find((sample) => JSON.stringify(Object.entries(sample.labels).sort()) === wanted)?.value;
  }

  /** The family names declared, those starting with `prefix` if given. */
  families(prefix = ""): string[] {
    return [...this.types.keys()].filter((name) => name.startsWith(prefix)).sort();
  }
}

function parseValue(text: string): number {
  if (text === "+Inf") return Infinity;
  if (text === "-Inf") return -Infinity;
  // prom-client writes NaN as `Nan`; Prometheus reads either.
  if (text.toLowerCase() === "nan") return NaN;
  const value = Number(text);
  if (Number.isNaN(value)) throw new Error(`not a sample value: ${text}`);
  return value;
}

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** One HTTP request to 127.0.0.1:`port` (a fresh connection, closed after). */
export function httpRequest(port: number, path: string, method = "GET"): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method, agent: false, timeout: 5000 }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("timeout", () => req.destroy(new Error(`no answer from 127.0.0.1:${port}${path} within 5 s`)));
    req.on("error", reject);
    req.end();
  });
}

/** GET /metrics on 127.0.0.1:`port`; throws unless it answers 200 with Prometheus text. */
export async function scrapeMetrics(port: number): Promise<Scrape> {
  const answer = await httpRequest(port, "/metrics");
  if (answer.status !== 200) throw new Error(`GET /metrics on port ${port}: HTTP ${answer.status}: ${answer.body}`);
  if (!String(answer.headers["content-type"]).startsWith("text/plain; version=0.0.4")) {
    throw new Error(`GET /metrics on port ${port}: content-type ${answer.headers["content-type"]}`);
  }
  return new Scrape(answer.body);
}
