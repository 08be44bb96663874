// Lambda entry point factory. Serialized by Pulumi from
// `callbackFactory: () => createHandler(process.env)`: config is read and the
// clients are built once per execution environment, not per invocation.
// SDK modules are require()d inside the function (types only at top level) so
// that Pulumi serializes a bare require("@aws-sdk/...") -- see refresh.ts.
/* eslint-disable @typescript-eslint/no-require-imports -- see above */
import type * as CodeArtifactSdk from "@aws-sdk/client-codeartifact";
import type * as S3Sdk from "@aws-sdk/client-s3";
import { readRefreshConfig, refreshToken, RefreshResult } from "./refresh";

/**
 * Builds the handler. Throws at init when the configuration is invalid.
 * Endpoints can be overridden with the standard AWS_ENDPOINT_URL_CODEARTIFACT /
 * AWS_ENDPOINT_URL_S3 variables (read by the SDK itself).
 * `overrides` exists for tests only (a short request timeout).
 * throwOnRequestTimeout: without it @smithy/node-http-handler (4.x) only logs a
 * warning when requestTimeout is exceeded and keeps waiting.
 */
export function createHandler(
    env: Readonly<Record<string, string | undefined>>,
    overrides?: { readonly requestTimeoutMs?: number },
): (event?: unknown) => Promise<RefreshResult> {
    const config = readRefreshConfig(env);
    const { CodeartifactClient } = require("@aws-sdk/client-codeartifact") as typeof CodeArtifactSdk;
    const { S3Client } = require("@aws-sdk/client-s3") as typeof S3Sdk;
    const requestHandler = { connectionTimeout: 3000, requestTimeout: overrides?.requestTimeoutMs ?? 10000, throwOnRequestTimeout: true };
    const clients = {
        codeartifact: new CodeartifactClient({ region: config.region, maxAttempts: 4, requestHandler }),
        s3: new S3Client({ maxAttempts: 4, requestHandler, followRegionRedirects: true }),
    };
    return () => refreshToken(clients, config);
}
