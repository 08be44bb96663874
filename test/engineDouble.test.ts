// The engine suite's building blocks that need no CLI: the aws double's pure decisions (what forces
// replacement, what a refresh reports as inputs, autonaming, object ids, the output schema) and the
// CLI finder's rules. Fast and Node-only, so they run in `npm test`.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import fc from "fast-check";
import { unknownValue } from "@pulumi/pulumi/runtime/rpc";
import { doubleProvider, parseUrn, refreshedInputs, replacedProperties } from "../tools/doubles/aws/provider";
import { FORCE_NEW } from "../tools/doubles/aws/providerFacts";
import { outputProperties, withEveryOutput } from "../tools/doubles/aws/schema";
import { parseObjectId } from "../tools/doubles/aws/s3Object";
import { archiveFiles, secret, unwrapSecrets } from "../tools/doubles/aws/wire";
import { createContext, type DoubleContext } from "../tools/doubles/aws/context";
import { functionModel, functionNameOf } from "../tools/doubles/aws/lambda";
import { storedModel } from "../tools/doubles/aws/stored";
import { compareVersions, findPulumiCli, hostFiles, minimumVersion, pinnedVersion, PulumiCliUnavailable } from "../tools/engine/pulumiCli";
import { readmeCommands, section, shellWords } from "./engine/support/readme";

const OBJECT = "aws:s3/bucketObjectv2:BucketObjectv2";
const FUNCTION_URN = "urn:pulumi:dev::proj::mwaa-codeartifact:index:CodeArtifactTokenRefresher$aws:lambda/function:Function::mwaa-codeartifact-dev-function";

function provider(): ReturnType<typeof doubleProvider> {
    return doubleProvider({
        version: "7.48.0", context: {} as DoubleContext, readInputs: () => undefined,
        invoke: () => ({}),
    });
}

describe("aws double: replacement", () => {
    it("reports a changed ForceNew property, and only those the provider lists", () => {
        assert.deepEqual(replacedProperties(OBJECT, { bucket: "b", key: "k", content: "x" }, { bucket: "b", key: "k2", content: "y" }), ["key"]);
        assert.deepEqual(replacedProperties(OBJECT, { bucket: "b", key: "k" }, { bucket: "b", key: "k", content: "new" }), []);
        assert.deepEqual(replacedProperties("aws:cloudwatch/logGroup:LogGroup", { name: "a", retentionInDays: 7 }, { name: "a", retentionInDays: 30 }), []);
    });

    it("counts an unknown new value as a change and ignores a property the program does not set", () => {
        assert.deepEqual(replacedProperties(OBJECT, { bucket: "b", key: "k" }, { bucket: unknownValue, key: "k" }), ["bucket"]);
        assert.deepEqual(replacedProperties("aws:lambda/permission:Permission", { statementId: "generated", action: "x" }, { action: "x" }), []);
    });

    it("compares secrets by their values", () => {
        assert.deepEqual(replacedProperties(OBJECT, { bucket: secret("b"), key: "k" }, { bucket: "b", key: "k" }), []);
    });

    it("every ForceNew fact names its source in terraform-provider-aws", () => {
        for (const facts of Object.values(FORCE_NEW)) for (const f of facts) assert.match(f.source, /^terraform-provider-aws internal\/service\/\S+\.go/);
    });
});

describe("aws double: refresh and naming", () => {
    it("refreshed inputs keep the old keys, with live values where AWS reports them", () => {
        fc.assert(fc.property(fc.dictionary(fc.string(), fc.string()), fc.dictionary(fc.string(), fc.string()), (oldInputs, live) => {
            const refreshed = refreshedInputs(oldInputs, live);
            assert.deepEqual(Object.keys(refreshed).sort(), Object.keys(oldInputs).sort());
            for (const k of Object.keys(oldInputs)) assert.equal(refreshed[k], k in live && k !== "__defaults" ? live[k] : oldInputs[k]);
        }));
    });

    it("autonames as <logical name>-<7 hex>, keeps the name on update, and refuses one over the limit with the bridge's message", async () => {
        const p = provider();
        const created = (await p.check!(FUNCTION_URN, undefined, {})).inputs as Record<string, unknown>;
        assert.match(String(created.name), /^mwaa-codeartifact-dev-function-[0-9a-f]{7}$/);
        const updated = (await p.check!(FUNCTION_URN, created, { memorySize: 512 })).inputs as Record<string, unknown>;
        assert.equal(updated.name, created.name);
        const long = `${FUNCTION_URN.split("::").slice(0, 3).join("::")}::${"x".repeat(57)}`;
        assert.deepEqual((await p.check!(long, undefined, {})).failures, [{ property: "name", reason: `name '${"x".repeat(57)}-' plus 7 random chars is longer than maximum length 64` }]);
    });

    it("parses URNs of nested resources", () => {
        assert.deepEqual(parseUrn(FUNCTION_URN), { type: "aws:lambda/function:Function", name: "mwaa-codeartifact-dev-function" });
    });

    it("object ids are <bucket>/<key>, with or without s3://, and anything else is refused with the provider's message", () => {
        assert.deepEqual(parseObjectId("bkt/dags/codeartifact.txt"), { bucket: "bkt", key: "dags/codeartifact.txt" });
        assert.deepEqual(parseObjectId("s3://bkt/requirements.txt"), { bucket: "bkt", key: "requirements.txt" });
        assert.throws(() => parseObjectId("requirements.txt"), /should be in the format <bucket>\/<key> or s3:\/\/<bucket>\/<key>/);
    });

    it("reports every output property the installed @pulumi/aws declares, null when unset", () => {
        const names = outputProperties("aws:lambda/function:Function");
        for (const n of ["arn", "codeSha256", "layers", "vpcConfig", "kmsKeyArn", "environment"]) assert.ok(names.includes(n), n);
        const complete = withEveryOutput("aws:lambda/function:Function", { arn: "a" });
        assert.equal(complete.arn, "a");
        assert.equal(complete.layers, null);
        assert.throws(() => outputProperties("kubernetes:core/v1:Pod"), /not an aws resource type/);
    });

    it("takes the program's code archive apart, and refuses what it does not model", () => {
        const sig = "4dabf18193072939515e22adb298388d";
        const archive = { [sig]: "0def7320c3a5731c473e5ecbe6d01bc7", assets: { "__index.js": { [sig]: "c44067f5952c0a294b673a41bacd8c17", text: "x" } } };
        assert.deepEqual(archiveFiles(archive), { "__index.js": "x" });
        assert.throws(() => archiveFiles({ [sig]: "0def7320c3a5731c473e5ecbe6d01bc7", path: "/tmp/a.zip" }), /only AssetArchives of StringAssets/);
        assert.throws(() => archiveFiles("text"), /expected an archive/);
        assert.deepEqual(unwrapSecrets({ a: secret({ b: secret("c") }) }), { a: { b: "c" } });
    });
});

describe("aws double: deleting a function", () => {
    it("deletes its permission statements and event-invoke configuration, not another function's", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cloud-"));
        try {
            const ctx = createContext({ dir, s3Endpoint: "http://127.0.0.1:1", codeartifactEndpoint: "http://127.0.0.1:1", accountId: "111122223333" }, () => "us-west-2");
            const arn = (name: string) => `arn:aws:lambda:us-west-2:111122223333:function:${name}`;
            for (const name of ["refresh", "other"]) ctx.cloud.put("aws:lambda/function:Function", name, { name, arn: arn(name) });
            ctx.cloud.put("aws:lambda/permission:Permission", "by-name", { function: "refresh" });
            ctx.cloud.put("aws:lambda/permission:Permission", "by-arn", { function: arn("refresh") });
            ctx.cloud.put("aws:lambda/permission:Permission", "theirs", { function: arn("other") });
            ctx.cloud.put("aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig", "refresh", { functionName: "refresh" });
            ctx.cloud.put("aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig", "other", { functionName: "other" });
            await functionModel.delete(ctx, "refresh", {});
            assert.deepEqual(ctx.cloud.liveIds(), {
                "aws:lambda/function:Function": ["other"],
                "aws:lambda/permission:Permission": ["theirs"],
                "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig": ["other"],
            });
            // The engine's own deletes of those, afterwards, find nothing and succeed, as the provider's do.
            await storedModel("aws:lambda/permission:Permission").delete(ctx, "by-arn", {});
            assert.equal(await storedModel("aws:lambda/permission:Permission").read(ctx, "by-name", {}), undefined);
        } finally {
            fs.rmSync(dir, { recursive: true });
        }
    });

    it("reads the function's name from a name, a partial ARN or a qualified ARN", () => {
        assert.equal(functionNameOf("refresh"), "refresh");
        assert.equal(functionNameOf("111122223333:function:refresh"), "refresh");
        assert.equal(functionNameOf("arn:aws:lambda:us-west-2:111122223333:function:refresh:live"), "refresh");
        assert.equal(functionNameOf("refresh:live"), "refresh");
        assert.equal(functionNameOf(undefined), undefined);
    });
});

describe("the Pulumi CLI finder", () => {
    it("compares release versions numerically", () => {
        assert.equal(compareVersions("3.274.1", "3.99.0"), 1);
        assert.equal(compareVersions("v3.248.0", "3.248.0"), 0);
        assert.equal(compareVersions("3.248.0-alpha.1", "3.249.0"), -1);
    });

    it("pins no Pulumi SDK the tests use newer than the CLI they build", async () => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const manifest = require("../../package.json") as { devDependencies: Record<string, string> };
        assert.match(manifest.devDependencies["@pulumi/pulumi"], /^\d+\.\d+\.\d+$/, "an exact version, not a range");
        assert.ok(compareVersions(minimumVersion(), pinnedVersion()) <= 0, `@pulumi/pulumi ${minimumVersion()} > CLI ${pinnedVersion()}`);
        const { PYTHON_PULUMI_VERSION } = await import("./engine/support/python");
        assert.ok(compareVersions(PYTHON_PULUMI_VERSION, pinnedVersion()) <= 0, `pulumi (PyPI) ${PYTHON_PULUMI_VERSION} > CLI ${pinnedVersion()}`);
    });

    it("reads the pinned release from the wrapper module's go.mod", () => {
        assert.match(pinnedVersion(), /^3\.\d+\.\d+$/);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gomod-"));
        fs.writeFileSync(path.join(dir, "go.mod"), "module x\n\ngo 1.26\n");
        assert.throws(() => pinnedVersion(dir), /does not require github.com\/pulumi\/pulumi\/pkg\/v3 at a release version/);
        fs.rmSync(dir, { recursive: true });
    });

    /** A folder of scripts that print `version` when asked, standing in for the CLI, its hosts or go. */
    function fakeBin(files: readonly string[], version: string): string {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fakebin-"));
        for (const f of files) fs.writeFileSync(path.join(dir, f), `#!/bin/sh\necho v${version}\n`, { mode: 0o755 });
        return dir;
    }

    it("with no pulumi, no cached build and no go, says what to install", () => {
        const empty = fs.mkdtempSync(path.join(os.tmpdir(), "nopath-"));
        try {
            assert.throws(() => findPulumiCli({ env: { PATH: empty, MWAA_ENGINE_CACHE: empty } }), (err: Error) => {
                assert.ok(err instanceof PulumiCliUnavailable);
                assert.match(err.message, /need the Pulumi CLI \d+\.\d+\.\d+ or newer with its Node\.js, Python and Go language hosts beside it \(no `pulumi` on PATH;/);
                assert.match(err.message, /lacks pulumi, pulumi-language-nodejs, pulumi-language-python, pulumi-language-go; no `go` on PATH\)/);
                assert.match(err.message, /install Go 1\.26\+ and set MWAA_PULUMI_SOURCE to Pulumi v3\.\d+\.\d+'s source \(the folder holding sdk\/\)/);
                assert.equal(err.message.split("\n").length, 1);
                return true;
            });
        } finally {
            fs.rmSync(empty, { recursive: true });
        }
    });

    it("refuses a pulumi on PATH that is too old and says which version it reports", () => {
        const dir = fakeBin(["pulumi", ...hostFiles()], "3.1.0");
        try {
            assert.throws(() => findPulumiCli({ env: { PATH: dir, MWAA_ENGINE_CACHE: dir } }), /reports 3\.1\.0;/);
        } finally {
            fs.rmSync(dir, { recursive: true });
        }
    });

    it("uses a new enough pulumi on PATH with its three hosts beside it as it is", () => {
        const dir = fakeBin(["pulumi", ...hostFiles()], "3.900.0");
        try {
            const cli = findPulumiCli({ env: { PATH: dir, MWAA_ENGINE_CACHE: dir } });
            assert.deepEqual(cli, { path: path.join(dir, "pulumi"), version: "3.900.0", source: "PATH", binDir: fs.realpathSync(dir) });
        } finally {
            fs.rmSync(dir, { recursive: true });
        }
    });

    it("refuses a pulumi on PATH without its hosts, naming those missing", () => {
        const dir = fakeBin(["pulumi", "pulumi-language-nodejs"], "3.900.0");
        try {
            assert.throws(() => findPulumiCli({ env: { PATH: dir, MWAA_ENGINE_CACHE: dir } }),
                /has no pulumi-language-python, pulumi-language-python-exec, pulumi-language-go beside it;/);
        } finally {
            fs.rmSync(dir, { recursive: true });
        }
    });

    it("uses the cached release when the CLI and every host report its version", () => {
        const cache = fs.mkdtempSync(path.join(os.tmpdir(), "cache-"));
        const binDir = path.join(cache, `pulumi-v${pinnedVersion()}`, "bin");
        fs.mkdirSync(binDir, { recursive: true });
        try {
            const fake = fakeBin(["pulumi", ...hostFiles()], pinnedVersion());
            fs.cpSync(fake, binDir, { recursive: true });
            fs.rmSync(fake, { recursive: true });
            assert.deepEqual(findPulumiCli({ env: { PATH: cache, MWAA_ENGINE_CACHE: cache } }),
                { path: path.join(binDir, "pulumi"), version: pinnedVersion(), source: "cache", binDir });
            // A host of another release is not used: with no go to rebuild it, the message names it.
            fs.writeFileSync(path.join(binDir, "pulumi-language-go"), "#!/bin/sh\necho v3.1.0\n", { mode: 0o755 });
            assert.throws(() => findPulumiCli({ env: { PATH: cache, MWAA_ENGINE_CACHE: cache } }), /lacks pulumi-language-go; no `go` on PATH/);
        } finally {
            fs.rmSync(cache, { recursive: true });
        }
    });

    it("with go but no MWAA_PULUMI_SOURCE, says to set it before building anything", () => {
        const dir = fakeBin(["go"], "0");
        try {
            assert.throws(() => findPulumiCli({ env: { PATH: dir, MWAA_ENGINE_CACHE: dir } }), /MWAA_PULUMI_SOURCE is not set\)/);
            assert.throws(() => findPulumiCli({ env: { PATH: dir, MWAA_ENGINE_CACHE: dir, MWAA_PULUMI_SOURCE: dir } }),
                /MWAA_PULUMI_SOURCE=.* does not hold sdk\/nodejs\/cmd\/pulumi-language-nodejs, /);
            assert.deepEqual(fs.readdirSync(dir), ["go"]);
        } finally {
            fs.rmSync(dir, { recursive: true });
        }
    });
});

describe("the README command reader", () => {
    it("splits words as sh does: quotes removed, a comment dropped, `--` kept", () => {
        assert.deepEqual(shellWords(`pulumi config set --path 'requirements[1]' -- '--constraint "https://x/c.txt"'   # note`),
            { words: ["pulumi", "config", "set", "--path", "requirements[1]", "--", "--constraint \"https://x/c.txt\""], text: `pulumi config set --path 'requirements[1]' -- '--constraint "https://x/c.txt"'` });
        assert.deepEqual(shellWords(`pulumi config set a "b \\"c\\" d"`).words, ["pulumi", "config", "set", "a", "b \"c\" d"]);
        assert.deepEqual(shellWords("pulumi stack init dev-mine#x").words, ["pulumi", "stack", "init", "dev-mine#x"]);
    });

    it("refuses a line that is more than one plain command", () => {
        assert.throws(() => shellWords(`pulumi config get bucket | jq .`), /`\|` makes this more than one plain command/);
        assert.throws(() => shellWords(`pulumi up "$(pulumi whoami)"`), /a substitution/);
        assert.throws(() => shellWords(`pulumi up > out.txt`), /`>`/);
        assert.throws(() => shellWords(`pulumi config set a 'b`), /unterminated '/);
    });

    it("reads only the pulumi lines of the named sections' sh blocks, in order", () => {
        const md = "# T\n## Make your own stack\n```sh\npulumi stack init a   # x\n```\n```\npulumi not-sh\n```\n## Deploy\n```sh\nnpm ci\npulumi up\n```\n## Other\n```sh\npulumi destroy\n```\n";
        assert.deepEqual(readmeCommands(md).map((c) => c.text), ["pulumi stack init a", "pulumi up"]);
        assert.throws(() => section(md, "Missing"), /README.md has no "## Missing" section/);
    });
});
