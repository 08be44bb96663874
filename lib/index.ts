/**
 * The package's public entry: the component, its arguments and the error its bad arguments raise.
 * Everything else in lib/ is internal; the stack program's configuration reading lives in stack/.
 */
export { CodeArtifactTokenRefresher, type CodeArtifactTokenRefresherArgs } from "./component";
export { SettingsError, type SettingsProblem } from "./settings";
