/**
 * The package's public entry: the component, its arguments, and what the stack program uses to
 * read a stack's configuration with the same rules. Everything else in lib/ is internal.
 */
export { CodeArtifactTokenRefresher, type CodeArtifactTokenRefresherArgs, refresherArgs } from "./component";
export { parseSettings, readSettings, SettingsError, type Settings, type SettingsProblem } from "./settings";
export { refresherNameForStack } from "./naming";
