export * from "./listen-address.js";
export * from "./probe-server.js";
