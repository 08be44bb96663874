/**
 * Entry of the multi-language plugin (`PulumiPlugin.yaml`). The SDK's `run-plugin` requires this
 * folder, finds the component classes among its exports and serves them with
 * `@pulumi/pulumi/provider/experimental`; the schema is read from the TypeScript source, starting
 * here. `./host` must come first: it makes the library load and run from this folder.
 */
import "./host";

export { CodeArtifactTokenRefresher } from "../lib/component";
