// The Go SDK generated from the plugin's schema (as `pulumi package add` generates it) compiles,
// with a program that uses its typed arguments and outputs, against the CLI's release of the Go SDK.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { findGensdk, pinnedVersion, WRAPPER_MODULE_DIR } from "../../tools/engine/pulumiCli";
import { runProcess } from "../support/process";
import { servedSchema } from "./support/python";

/** A consumer's program: every kind of argument, and an output used as an export. */
const PROGRAM = `package main

import (
	"example.com/pulumi-mwaa-codeartifact/sdk/go/mwaacodeartifact"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		refresher, err := mwaacodeartifact.NewCodeArtifactTokenRefresher(ctx, "airflow", &mwaacodeartifact.CodeArtifactTokenRefresherArgs{
			Bucket:               pulumi.String("airflow-dev-444455556666-us-west-2"),
			Domain:               "data-platform",
			Repository:           "airflow",
			Requirements:         []string{"apache-airflow-providers-snowflake"},
			TokenDurationSeconds: pulumi.Float64Ref(3600),
			Tags:                 map[string]string{"team": "data"},
		})
		if err != nil {
			return err
		}
		ctx.Export("requirementsVersionId", refresher.RequirementsVersionId)
		return nil
	})
}
`;

describe("engine: the Go SDK", { timeout: 300_000 }, () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gosdk-"));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("generates from the served schema and compiles with a program using it", async () => {
        const schema = path.join(dir, "schema.json");
        fs.writeFileSync(schema, await servedSchema(dir));
        const sdk = path.join(dir, "sdk");
        const gen = await runProcess(findGensdk(), ["go", schema, sdk], { cwd: dir, env: process.env, timeoutMs: 60_000 });
        assert.equal(gen.code, 0, gen.stderr);
        fs.mkdirSync(path.join(sdk, "cmd", "consumer"), { recursive: true });
        fs.writeFileSync(path.join(sdk, "cmd", "consumer", "main.go"), PROGRAM);
        // The CLI's release of the Go SDK, whose module sums the wrapper module already holds.
        fs.copyFileSync(path.join(WRAPPER_MODULE_DIR, "go.sum"), path.join(sdk, "go.sum"));
        const env = { ...process.env, GOFLAGS: "-mod=mod" };
        const go = (args: string[]) => runProcess("go", args, { cwd: sdk, env, timeoutMs: 240_000 });
        assert.equal((await go(["mod", "edit", `-require=github.com/pulumi/pulumi/sdk/v3@v${pinnedVersion()}`])).code, 0);
        const build = await go(["vet", "./..."]);
        assert.equal(build.code, 0, build.stderr);
    });
});
