// Every non-public @pulumi/pulumi or Node.js API the project relies on (docs/internals.md), checked
// for the shape we use, so that an upgrade that changes one fails here with the use named, not at a user.
import { test } from "node:test";
import assert from "node:assert/strict";
import Module from "node:module";
import * as pulumi from "@pulumi/pulumi";
import { installMocks } from "./support/pulumiTesting";

installMocks();

/* eslint-disable @typescript-eslint/no-require-imports -- the internals are reached by path, as their users do */
function changed(what: string, user: string): string {
    return `${what} changed in this @pulumi/pulumi or Node.js version: ${user} relies on it (docs/internals.md)`;
}

test("waitForRPCs is a function of runtime/settings", () => {
    const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs?: unknown };
    assert.equal(typeof settings.waitForRPCs, "function", changed("runtime/settings.waitForRPCs", "tools/preview/mocks.ts drainRegistrations and the bench"));
});

test("a RunError carries the __pulumiRunError brand", () => {
    const brand = (new pulumi.RunError("x") as unknown as { __pulumiRunError?: unknown }).__pulumiRunError;
    assert.equal(brand, true, changed("RunError's __pulumiRunError brand", "tools/preview/preview.ts isUserError"));
});

test("registerStackTransformation is still exported", () => {
    assert.equal(typeof pulumi.runtime.registerStackTransformation, "function", changed("runtime.registerStackTransformation", "tools/preview/preview.ts"));
});

test("tsutils has what run.js and the CLI host call", () => {
    const tsutils = require("@pulumi/pulumi/tsutils") as Record<string, unknown>;
    for (const name of ["typeScriptRequireStrings", "loadTypeScriptCompilerOptions"]) {
        assert.equal(typeof tsutils[name], "function", changed(`tsutils.${name}`, "tools/doubles/cliHost.ts"));
    }
});

test("cmd/run-plugin resolves", () => {
    assert.doesNotThrow(() => require.resolve("@pulumi/pulumi/cmd/run-plugin"), changed("cmd/run-plugin", "provider/host.ts and the engine suites"));
});

test("runtime/rpc's wire signatures", () => {
    const rpc = require("@pulumi/pulumi/runtime/rpc") as Record<string, unknown>;
    for (const name of ["specialSigKey", "specialSecretSig", "specialAssetSig", "specialArchiveSig", "unknownValue"]) {
        assert.equal(typeof rpc[name], "string", changed(`runtime/rpc.${name}`, "test/engine/aws/wire.ts"));
    }
});

test("the engine's gRPC service definition loads", () => {
    const enginerpc = require("@pulumi/pulumi/proto/engine_grpc_pb") as { EngineService?: unknown };
    assert.equal(typeof enginerpc.EngineService, "object", changed("proto/engine_grpc_pb.EngineService", "test/support/plugin.ts"));
});

test("the mock monitor keeps a resources map", () => {
    const monitor = pulumi.runtime.getMonitor() as unknown as { resources?: unknown };
    assert.ok(monitor.resources instanceof Map, changed("the mock monitor's resources map", "test/component.test.ts"));
});

test("module._compile and require.extensions exist", () => {
    assert.equal(typeof (Module.prototype as unknown as { _compile?: unknown })._compile, "function", changed("Module.prototype._compile", "scripts/ts.js"));
    assert.equal(typeof require.extensions[".js"], "function", changed("require.extensions", "scripts/ts.js"));
});

test("Module._resolveFilename is a function", () => {
    assert.equal(typeof (Module as unknown as { _resolveFilename?: unknown })._resolveFilename, "function",
        changed("Module._resolveFilename", "test/engine/support/world.ts"));
});
