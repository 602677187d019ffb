/**
 * Imported first by main.ts, before cdktf loads.
 *
 * `npm run synth` runs main.ts under esbuild-register, which turns on Node's
 * source-map support; Node then decodes the inline source map of every module
 * loaded afterwards, cdktf's ~200 files included: a quarter of synth's CPU
 * time, spent on stack traces nobody reads. Synth errors from these
 * constructs name the construct path and stay readable without it.
 * Set SYNTH_SOURCE_MAPS=1 to keep source maps when debugging a crash.
 */
if (process.env.SYNTH_SOURCE_MAPS !== "1" && typeof process.setSourceMapsEnabled === "function") {
  process.setSourceMapsEnabled(false);
}

export {};
