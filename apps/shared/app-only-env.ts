/**
 * Environment variables the apps read but the constructs never set (debugging
 * knobs and test hooks). Their names and what they accept are in
 * constructs/apps/app-settings.ts, next to the contract's settings, so that
 * AppContainer can tell a typo of one of them at synth.
 */
export { AppOnlyEnv, DEFAULT_HEALTH_FILE } from "../../constructs/apps/app-settings";
