// How a Provider's fields and secrets become the notifier's settings (Flux's createNotifier and
// extractAuthFromSecret): the secret's address, token, headers and basic auth; proxy from spec.proxy, the
// secret's `proxy` or proxySecretRef (with credentials); the certSecretRef CA and client certificate; and
// which values are masked in messages. The secrets come from an in-memory reader (the API path is covered
// by event-server.test.ts).

import type { Provider } from "@sluice/api";
import { describe, expect, it } from "vitest";
import { maskSecrets, resolveProvider } from "../src/provider/provider-secrets.js";

const secrets: Record<string, Record<string, string>> = {
  "ops/hook": {
    address: "  https://hooks.example.com/services/T000/B000/verysecretpath  \n",
    token: " tok-123456 ",
    headers: "X-Team: ops\nX-Key: header-secret-value\n",
    username: "bot",
    password: "pa55word",
  },
  "ops/ca": { "ca.crt": "CA PEM", "tls.crt": "CERT PEM", "tls.key": "KEY PEM secret" },
  "ops/proxy": { address: "http://proxy.example.com:3128", username: "u", password: "proxy-pass" },
};
const read = async (ns: string, name: string) => {
  const data = secrets[`${ns}/${name}`];
  if (!data) throw new Error(`secrets "${name}" not found`);
  return data;
};
const provider = (spec: Record<string, unknown>) =>
  ({
    apiVersion: "notification.toolkit.fluxcd.io/v1beta3",
    kind: "Provider",
    metadata: { namespace: "ops", name: "p", uid: "1234abcd-0000" },
    spec,
  }) as unknown as Provider;

describe("resolveProvider", () => {
  it("takes address, token, headers and basic auth from the secret over the spec", async () => {
    const { options, secretValues } = await resolveProvider(
      provider({ type: "generic", address: "https://spec.example.com/", channel: "#c", secretRef: { name: "hook" } }),
      read,
    );
    expect(options).toMatchObject({
      url: "https://hooks.example.com/services/T000/B000/verysecretpath",
      token: "tok-123456",
      headers: { "X-Team": "ops", "X-Key": "header-secret-value" },
      username: "bot",
      password: "pa55word",
      channel: "#c",
      providerUid: "1234abcd-0000",
    });
    const masked = maskSecrets(
      "POST https://hooks.example.com/services/T000/B000/verysecretpath failed: tok-123456 header-secret-value pa55word",
      secretValues,
    );
    expect(masked).not.toMatch(/verysecretpath|tok-123456|header-secret-value|pa55word/);
  });

  it("proxy: proxySecretRef with credentials wins over spec.proxy; certSecretRef gives CA and client pair", async () => {
    const { options, secretValues } = await resolveProvider(
      provider({
        type: "slack",
        address: "https://slack.com/api/chat.postMessage",
        proxy: "http://spec-proxy:8080",
        proxySecretRef: { name: "proxy" },
        certSecretRef: { name: "ca" },
      }),
      read,
    );
    expect(options.proxyUrl).toBe("http://u:proxy-pass@proxy.example.com:3128/");
    expect(options.tls).toEqual({ ca: "CA PEM", cert: "CERT PEM", key: "KEY PEM secret" });
    expect(secretValues).toEqual(expect.arrayContaining(["proxy-pass", "KEY PEM secret"]));
    const plain = await resolveProvider(provider({ type: "slack", address: "https://x", proxy: "http://p:1" }), read);
    expect(plain.options.proxyUrl).toBe("http://p:1");
  });

  it("names the missing secret and the bad key", async () => {
    await expect(resolveProvider(provider({ type: "slack", secretRef: { name: "absent" } }), read)).rejects.toThrow(
      "failed to get secret 'ops/absent': secrets \"absent\" not found",
    );
    await expect(
      resolveProvider(provider({ type: "slack", address: "https://x", certSecretRef: { name: "hook" } }), read),
    ).rejects.toThrow("invalid certSecretRef 'ops/hook': it must contain ca.crt, or tls.crt and tls.key");
  });
});
