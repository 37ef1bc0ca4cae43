export type { OidcOptions } from "./server/oidc.js";
export { LoginsFileError, parseLogins, runUi, UI_USAGE } from "./server/run-ui.js";
export type { UiLogin, UiUser } from "./server/sessions.js";
export { startUiServer, type UiServer, type UiServerOptions } from "./server/ui-server.js";
export { WatchHub } from "./server/watch-hub.js";
export type * from "./shared/api.js";
