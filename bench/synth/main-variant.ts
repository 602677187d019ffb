/**
 * main.ts's default stack, synthesized the way main.ts does it, but through
 * this entry point so that bench/synth.ts can time it with source-mapped
 * stack traces off (BENCH_SOURCE_MAPS=off): what main.ts would gain from
 * calling process.setSourceMapsEnabled(false) before it loads cdktf.
 */
import "./source-maps";
import { App } from "cdktf";
import { buildDefaultStack } from "../../main";

const app = new App();
buildDefaultStack(app);
app.synth();
