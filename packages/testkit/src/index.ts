// Real servers and fixtures shared by the packages' integration tests, benchmarks and e2e/ — nothing here is
// a fake: each starts the real program (API server, git http-backend, sshd, helm) on 127.0.0.1 and a free port.

export * from "./api-cluster.js";
export * from "./bench-helpers.js";
export * from "./container.js";
export * from "./event-sink.js";
export * from "./git-fixtures.js";
export * from "./git-http-server.js";
export * from "./helm-repo-server.js";
export * from "./http-proxy.js";
export * from "./oci-registry.js";
export * from "./oidc-provider.js";
export * from "./require-tools.js";
export * from "./s3-server.js";
export * from "./sops-encrypt.js";
export * from "./sshd.js";
export * from "./tls-fixtures.js";
export * from "./tree.js";
export * from "./wait.js";
