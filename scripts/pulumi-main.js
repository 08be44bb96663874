"use strict";
// The Pulumi CLI's entry point (package.json "main"; Pulumi.yaml sets `typescript: false`, so the
// CLI loads this file with plain require() instead of registering ts-node): transpiles the
// project with esbuild (scripts/ts.js) and hands the CLI the program's exports.
require("./ts").register(require("node:path").resolve(__dirname, ".."));
module.exports = require("../index.ts");
