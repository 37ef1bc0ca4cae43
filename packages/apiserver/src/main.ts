#!/usr/bin/env node
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { startApiServer } from "./server.js";

const USAGE = `usage: sluice-apiserver [--port N] [--host ADDR] [--kubeconfig FILE] [--data-dir DIR] [--insecure-http]
                        [--allow-unauthenticated-http] [--no-simulate-workloads] [--token TOKEN]
                        [--authorization-mode RBAC|AlwaysAllow] [--client-ca-file FILE]

--allow-unauthenticated-http (with --insecure-http only) lets tokenless requests from loopback addresses in as
the admin: kubectl and helm never send the kubeconfig's token over plain HTTP; requests whose Host is not
localhost, 127.0.0.1 or [::1] are then refused (DNS rebinding protection).

--authorization-mode RBAC (default) authorizes requests like kube-apiserver: the admin token is in
system:masters, ServiceAccount tokens (kubectl create token) get what their RBAC bindings grant.

--client-ca-file FILE (PEM) authenticates client certificates that CA signed as user CN in groups O, as
kube-apiserver's flag of that name.

Starts an embeddable Kubernetes API server. Point kubectl at it with the kubeconfig it writes:
  sluice-apiserver --port 6443 --kubeconfig ./kubeconfig &
  kubectl --kubeconfig ./kubeconfig get namespaces`;

/** Parses flags, starts the server, writes the kubeconfig and runs until SIGINT/SIGTERM. */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: "string", default: "6443" },
      host: { type: "string", default: "127.0.0.1" },
      kubeconfig: { type: "string" },
      "data-dir": { type: "string" },
      "insecure-http": { type: "boolean", default: false },
      "allow-unauthenticated-http": { type: "boolean", default: false },
      "no-simulate-workloads": { type: "boolean", default: false },
      token: { type: "string" },
      "authorization-mode": { type: "string", default: "RBAC" },
      "client-ca-file": { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port: not a port number: ${values.port}`);
  const mode = values["authorization-mode"];
  if (mode !== "RBAC" && mode !== "AlwaysAllow")
    throw new Error(`--authorization-mode: must be RBAC or AlwaysAllow, not ${JSON.stringify(mode)}`);
  const server = await startApiServer({
    authorization: mode,
    port,
    host: values.host,
    tls: !values["insecure-http"],
    ...(values["allow-unauthenticated-http"] ? { allowUnauthenticatedHttp: true } : {}),
    simulateWorkloads: !values["no-simulate-workloads"],
    ...(values["data-dir"] ? { dataDir: values["data-dir"] } : {}),
    ...(values.token ? { token: values.token } : {}),
    ...(values["client-ca-file"] ? { clientCA: readFileSync(values["client-ca-file"], "utf8") } : {}),
  });
  if (values.kubeconfig) server.writeKubeconfig(values.kubeconfig);
  console.log(
    JSON.stringify({
      msg: "serving",
      url: server.url,
      kubeconfig: values.kubeconfig ?? null,
      dataDir: values["data-dir"] ?? null,
    }),
  );
  const shutdown = (signal: string): void => {
    console.log(JSON.stringify({ msg: "stopping", signal }));
    void server.stop().then(() => process.exit(0));
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  // The usage helps with a wrong flag, not with a data directory in use or damaged.
  const code = (err as NodeJS.ErrnoException).code ?? "";
  if (code.startsWith("ERR_PARSE_ARGS") || (err instanceof Error && err.message.startsWith("--"))) console.error(USAGE);
  process.exit(1);
});
