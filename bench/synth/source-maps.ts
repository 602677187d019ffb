/**
 * Imported first by run-one.ts: with BENCH_SOURCE_MAPS=off, turns off the
 * source-mapped stack traces that `-r esbuild-register` turns on, before
 * cdktf is loaded. cdktf captures a full stack trace for every token it
 * creates, and with source maps on, each capture maps every frame.
 */
if (process.env.BENCH_SOURCE_MAPS === "off") process.setSourceMapsEnabled(false);
export {};
