import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { sanitizeKubeconfig } from "./kubeconfig-text.js";

const tenant = `apiVersion: v1
kind: Config
clusters:
  - name: remote
    cluster: { server: "https://remote:6443", certificate-authority: /etc/ca.crt, insecure-skip-tls-verify: true, certificate-authority-data: Q0E= }
users:
  - name: tenant
    user: { token: abc, tokenFile: /var/run/secrets/kubernetes.io/serviceaccount/token, client-key: /k, client-certificate: /c, exec: { command: aws } }
contexts: [{ name: remote, context: { cluster: remote, user: tenant } }]
current-context: remote
`;

describe("sanitizeKubeconfig", () => {
  it("keeps inline credentials and drops file references, exec plugins and insecure TLS by default", () => {
    const out = parse(sanitizeKubeconfig(tenant, { insecureExec: false, insecureTls: false }));
    expect(out.clusters[0].cluster).toEqual({ server: "https://remote:6443", "certificate-authority-data": "Q0E=" });
    expect(out.users[0].user).toEqual({ token: "abc" });
    expect(out["current-context"]).toBe("remote");
  });

  it("keeps exec plugins and insecure TLS when allowed", () => {
    const out = parse(sanitizeKubeconfig(tenant, { insecureExec: true, insecureTls: true }));
    expect(out.clusters[0].cluster["insecure-skip-tls-verify"]).toBe(true);
    expect(out.users[0].user.exec).toEqual({ command: "aws" });
    expect(out.users[0].user.tokenFile).toBeUndefined();
  });
});
