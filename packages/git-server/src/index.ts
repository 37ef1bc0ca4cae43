// @sluice/git-server: the real `git http-backend` served over HTTP(S), for `sluice up --demo` and tests.
export * from "./git-http-server.js";
