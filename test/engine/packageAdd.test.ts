// `pulumi package add <this repository>/provider` for real, in a new Python project and a new Go
// project: the CLI starts the plugin through the Node.js host (PulumiPlugin.yaml), generates the SDK
// with the target language's host and links it; then `pulumi up` of a program using the component
// runs through that language's host, and `pulumi destroy --yes` removes it. No stand-in plugin is on
// PATH: the CLI finds the plugin where Pulumi.yaml's `packages` names it.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { CloudStore } from "../../tools/doubles/aws/cloud";
import { objectText, worldS3 } from "./support/observe";
import { pipOffline, PYTHON_PULUMI_VERSION, PYTHON_SDK_EXTRAS, pythonWheelhouse } from "./support/python";
import { NPM_OFFLINE, pulumiCli, STACK_BUCKETS, startWorld, type World } from "./support/world";
import { runProcess, type Proc } from "../support/process";

function assertRan(run: Proc, what: string): void {
    assert.equal(run.code, 0, `\`${what}\` exited ${String(run.code)}${run.timedOut ? " (timed out)" : ""}:\n${run.stdout}\n${run.stderr}`);
}

const PYTHON_PROGRAM = `import pulumi
import pulumi_mwaa_codeartifact as mwaa_codeartifact

refresher = mwaa_codeartifact.CodeArtifactTokenRefresher("airflow",
    bucket="${STACK_BUCKETS.dev}",
    domain="data-platform",
    repository="airflow",
    requirements=["apache-airflow-providers-snowflake==6.1.0"],
    token_duration_seconds=3600,
    tags={"team": "data"})
pulumi.export("tokenKey", refresher.token_key)
`;

const GO_PROGRAM = `package main

import (
	"example.com/pulumi-mwaa-codeartifact/sdk/go/mwaacodeartifact"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		refresher, err := mwaacodeartifact.NewCodeArtifactTokenRefresher(ctx, "airflow", &mwaacodeartifact.CodeArtifactTokenRefresherArgs{
			Bucket:               pulumi.String("${STACK_BUCKETS.dev}"),
			Domain:               "data-platform",
			Repository:           "airflow",
			Requirements:         []string{"apache-airflow-providers-snowflake==6.1.0"},
			TokenDurationSeconds: pulumi.Float64Ref(3600),
			Tags:                 map[string]string{"team": "data"},
		})
		if err != nil {
			return err
		}
		ctx.Export("tokenKey", refresher.TokenKey)
		return nil
	})
}
`;

interface Consumer {
    readonly language: "python" | "go";
    readonly files: Readonly<Record<string, string>>;
    /** What the language's link step leaves in the project. */
    readonly linked: RegExp;
    readonly linkedFile: string;
}

const CONSUMERS: readonly Consumer[] = [
    {
        language: "python",
        files: {
            "Pulumi.yaml": "name: consumer-python\nruntime:\n  name: python\n  options:\n    toolchain: pip\n    virtualenv: venv\n",
            "requirements.txt": `pulumi==${PYTHON_PULUMI_VERSION}\n`,
            "__main__.py": PYTHON_PROGRAM,
        },
        linkedFile: "requirements.txt", linked: /^sdks\/mwaa-codeartifact$/m,
    },
    {
        language: "go",
        files: {
            "Pulumi.yaml": "name: consumer-go\nruntime: go\n",
            "go.mod": `module consumer\n\ngo 1.26\n\nrequire github.com/pulumi/pulumi/sdk/v3 v${pulumiCliVersion()}\n`,
            "main.go": GO_PROGRAM,
        },
        linkedFile: "go.mod", linked: /^replace example\.com\/pulumi-mwaa-codeartifact\/sdk\/go => \.\/sdks\/mwaa-codeartifact$/m,
    },
];

/** The Go SDK the program requires: the CLI's own release. */
function pulumiCliVersion(): string {
    return pulumiCli().version;
}

for (const consumer of CONSUMERS) {
    describe(`engine: pulumi package add in a new ${consumer.language} project, then up and destroy through its host`, { timeout: 900_000 }, () => {
        let world: World;
        let dir: string;
        let env: Record<string, string>;

        before(async () => {
            world = await startWorld({ componentOnPath: false });
            dir = path.join(world.dir, `consumer-${consumer.language}`);
            fs.mkdirSync(dir);
            for (const [file, text] of Object.entries(consumer.files)) fs.writeFileSync(path.join(dir, file), text);
            env = { ...NPM_OFFLINE, ...(consumer.language === "python" ? pipOffline(await pythonWheelhouse(PYTHON_SDK_EXTRAS)) : {}) };
        });
        after(async () => {
            await world?.close();
        });

        it("generates the SDK from the plugin and links it into the project", async () => {
            const added = await world.pulumi(["package", "add", path.join(world.projectDir, "provider")], { cwd: dir, env });
            assertRan(added, "pulumi package add");
            assert.match(added.stdout, /Successfully generated an SDK for the mwaa-codeartifact package/);
            assert.match(fs.readFileSync(path.join(dir, consumer.linkedFile), "utf8"), consumer.linked);
            assert.match(fs.readFileSync(path.join(dir, "Pulumi.yaml"), "utf8"), /packages:\s*\n\s+mwaa-codeartifact:/);
            if (consumer.language === "python") {
                const imported = await runProcess(path.join(dir, "venv", "bin", "python"), ["-c", "import pulumi_mwaa_codeartifact"], { cwd: dir, env: world.processEnv(), timeoutMs: 60_000 });
                assertRan(imported, "import pulumi_mwaa_codeartifact");
            }
        });

        it("pulumi up runs the program through the host, and the component's function writes the token file", async () => {
            assertRan(await world.pulumi(["stack", "init", "dev"], { cwd: dir, env }), "pulumi stack init dev");
            assertRan(await world.pulumi(["config", "set", "aws:region", "us-west-2"], { cwd: dir, env }), "pulumi config set aws:region");
            const up = await world.pulumi(["up", "--yes"], { cwd: dir, env, timeoutMs: 600_000 });
            assertRan(up, "pulumi up --yes");
            assert.match(up.stdout, /Resources:\s*\n\s*\+ 15 created/);
            assert.match(await objectText(worldS3(world), STACK_BUCKETS.dev, "dags/codeartifact.txt"), /^--index-url https:\/\/aws:/);
            // The typed arguments arrived: the function's token lifetime and the tags.
            const [fn] = Object.values(new CloudStore(world.cloudDir).list("aws:lambda/function:Function"));
            assert.deepEqual(fn?.tags, { team: "data" });
            assert.match(JSON.stringify(fn?.environment), /"3600"/);
        });

        it("pulumi destroy --yes deletes every resource of the account", async () => {
            assertRan(await world.pulumi(["destroy", "--yes"], { cwd: dir, env }), "pulumi destroy --yes");
            assert.deepEqual(new CloudStore(world.cloudDir).liveIds(), {});
        });
    });
}
