/**
 * The one place that imports the CDK framework (and bindings.ts the one
 * that imports the Docker provider's bindings).
 *
 * This package is published in two flavours built from the same source: on
 * CDK for Terraform (`cdktf`, this file) and on CDK Terrain (`cdktn`, its
 * maintained fork with the same API under a new name). The cdktn build
 * (flavours/cdktn/build.mjs) rewrites the module names in this file and in
 * bindings.ts and compiles every other file unchanged, so every other file
 * imports the framework from here (eslint refuses anything else).
 */
export {
  Annotations,
  Aspects,
  DefaultTokenResolver,
  dependable,
  Fn,
  Lazy,
  StringConcat,
  TerraformElement,
  TerraformOutput,
  TerraformStack,
  TerraformVariable,
  Testing,
  Token,
  Tokenization,
} from "cdktf";
export type { IAspect, ITerraformDependable, TerraformResource } from "cdktf";
