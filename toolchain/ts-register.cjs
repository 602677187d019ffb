// Loads .ts files for `npm run synth` (node -r ./toolchain/ts-register.cjs main.ts).
//
// The same transform as esbuild-register 3.x (esbuild, CommonJS, its
// import.meta.url banner and define, the tsconfig's options), with two
// differences that matter for synth time: no inline source map (synth turns
// Node's source maps off anyway, see constructs/private/synth-entry.ts), and
// the output cached on disk by content, so an unchanged file costs a read
// instead of a round trip to the esbuild service (~3 ms a file, measured;
// the library is ~40 files). The synth error report maps positions back by
// transforming the one file again (constructs/errors/synth-report.ts).
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");
const Module = require("module");
// Loaded on the first cache miss only: when every file is cached, esbuild is not started.
let esbuild;
const esbuildVersion = require("esbuild/package.json").version;

const VARIABLE = "__esbuild_register_import_meta_url__";
const BANNER = `const ${VARIABLE} = require('url').pathToFileURL(__filename).href;`;
const CACHE = path.join(__dirname, "..", "node_modules", ".cache", "ts-register");
const tsconfigs = new Map();

function tsconfigOf(dir) {
  if (tsconfigs.has(dir)) return tsconfigs.get(dir);
  const file = path.join(dir, "tsconfig.json");
  let raw;
  if (fs.existsSync(file)) {
    try {
      raw = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch {
      raw = {};
    }
  } else {
    raw = path.dirname(dir) === dir ? {} : tsconfigOf(path.dirname(dir));
  }
  tsconfigs.set(dir, raw);
  return raw;
}

function compile(code, filename) {
  const tsconfigRaw = tsconfigOf(path.dirname(filename));
  const key = crypto
    .createHash("sha256")
    .update(`${esbuildVersion}\0${filename}\0${JSON.stringify(tsconfigRaw)}\0`)
    .update(code)
    .digest("hex");
  const cached = path.join(CACHE, `${key}.js`);
  try {
    return fs.readFileSync(cached, "utf8");
  } catch {
    // not cached yet
  }
  esbuild ??= require("esbuild");
  const { code: js } = esbuild.transformSync(code, {
    sourcefile: filename,
    loader: filename.endsWith("x") ? "tsx" : "ts",
    format: "cjs",
    define: { "import.meta.url": VARIABLE },
    banner: BANNER,
    tsconfigRaw,
  });
  try {
    fs.mkdirSync(CACHE, { recursive: true });
    const temporary = `${cached}.${process.pid}`;
    fs.writeFileSync(temporary, js);
    fs.renameSync(temporary, cached); // atomic: a parallel synth never reads half a file
  } catch {
    // a read-only node_modules: no cache, same result
  }
  return js;
}

for (const extension of [".ts", ".tsx", ".mts", ".cts"]) {
  Module._extensions[extension] = function loadTypeScript(module, filename) {
    module._compile(compile(fs.readFileSync(filename, "utf8"), filename), filename);
  };
}

// The examples (examples/*/main.ts) import the library by its package name,
// as a user's project does. In this repository that name is the source, the
// same files main.ts loads: one copy of the library in the process, never a
// mix of dist/ and source. Requests from node_modules are left alone.
const ROOT = path.resolve(__dirname, "..");
const ALIASES = new Map([
  ["cdktf-docker-messaging", path.join(ROOT, "constructs", "index.ts")],
  ["cdktf-docker-messaging/testing", path.join(ROOT, "constructs", "testing", "index.ts")],
]);
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function resolveAlias(request, parent, ...rest) {
  const alias = ALIASES.get(request);
  const fromRepository = parent?.filename?.startsWith(ROOT + path.sep) && !parent.filename.includes(`${path.sep}node_modules${path.sep}`);
  return resolveFilename.call(this, alias && fromRepository ? alias : request, parent, ...rest);
};
