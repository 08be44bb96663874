// Lambda entry point factory. Serialized by Pulumi from
// `callbackFactory: () => createHandler(process.env)`: config is read and the
// clients are built once per execution environment, not per invocation.
// SDK modules are require()d inside the function (types only at top level) so
// that Pulumi serializes a bare require("@aws-sdk/...") -- see refresh.ts.
/* eslint-disable @typescript-eslint/no-require-imports -- see above */
import type * as CodeArtifactSdk from "@aws-sdk/client-codeartifact";
import type * as S3Sdk from "@aws-sdk/client-s3";
import type { IndexFetch } from "./indexCheck";
import { HTTP, SDK_MAX_ATTEMPTS } from "./limits";
import { readRefreshConfig, refreshRequest, refreshToken, refreshWaitingForIam, RefreshResult } from "./refresh";

/**
 * Builds the handler. Only the invocation `pulumi up` makes waits out IAM propagation; a scheduled
 * one fails at once and is retried by Lambda's asynchronous retries. Throws at init when the configuration is invalid.
 * Endpoints can be overridden with the standard AWS_ENDPOINT_URL_CODEARTIFACT /
 * AWS_ENDPOINT_URL_S3 variables (read by the SDK itself).
 * `overrides` exists for tests only (a short request timeout, the index check's HTTP client).
 * throwOnRequestTimeout: without it @smithy/node-http-handler (4.x) only logs a
 * warning when requestTimeout is exceeded and keeps waiting.
 */
export function createHandler(
    env: Readonly<Record<string, string | undefined>>,
    overrides?: { readonly requestTimeoutMs?: number; readonly fetch?: IndexFetch },
): (event?: unknown) => Promise<RefreshResult> {
    const config = readRefreshConfig(env);
    const { CodeartifactClient } = require("@aws-sdk/client-codeartifact") as typeof CodeArtifactSdk;
    const { S3Client } = require("@aws-sdk/client-s3") as typeof S3Sdk;
    const requestHandler = {
        connectionTimeout: HTTP.connectionTimeoutMs,
        requestTimeout: overrides?.requestTimeoutMs ?? HTTP.requestTimeoutMs,
        throwOnRequestTimeout: true,
    };
    const clients = {
        codeartifact: new CodeartifactClient({ region: config.region, maxAttempts: SDK_MAX_ATTEMPTS, requestHandler }),
        s3: new S3Client({ maxAttempts: SDK_MAX_ATTEMPTS, requestHandler, followRegionRedirects: true }),
    };
    const deps = overrides?.fetch ? { fetch: overrides.fetch } : undefined;
    return async (event?: unknown) => {
        const request = refreshRequest(event);
        return request.deploy ? refreshWaitingForIam(clients, config, deps, request) : refreshToken(clients, config, deps, request);
    };
}
