/**
 * Imported first by main.ts, before cdktf loads.
 *
 * Under esbuild-register (`node -r esbuild-register main.ts`), Node's
 * source-map support is on; Node then decodes the inline source map of every
 * module loaded afterwards, cdktf's ~200 files included: a quarter of synth's
 * CPU time, spent on stack traces nobody reads. Synth errors from these
 * constructs name the user's file and line without it (errors/synth-report.ts
 * maps them on the error path only). `npm run synth` uses
 * toolchain/ts-register.cjs, which writes no source maps at all.
 * Set SYNTH_SOURCE_MAPS=1 to keep source maps when debugging a crash.
 */
if (process.env.SYNTH_SOURCE_MAPS !== "1" && typeof process.setSourceMapsEnabled === "function") {
  process.setSourceMapsEnabled(false);
}

export {};
