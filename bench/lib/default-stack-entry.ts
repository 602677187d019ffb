/**
 * main.ts's default stack, synthesized as main.ts does, with or without its
 * observability (`--without-observability`: no metrics, no Prometheus), for
 * the benchmarks that deploy it (bench/lib/stack-instance.ts).
 */
import { App } from "cdktf";
import { buildDefaultStack } from "../../main";

const app = new App({ stackTraces: false });
buildDefaultStack(app, { observability: !process.argv.includes("--without-observability") });
app.synth();
