// biome-ignore-all lint/suspicious/noTemplateCurlyInString: manifests carry literal ${...} variables
import { afterEach, describe, expect, it } from "vitest";
import { removeTree, writeTree } from "../../test/fixtures.js";
import { renderKustomization } from "./render.js";

const roots: string[] = [];
afterEach(async () => {
  await Promise.all(roots.splice(0).map(removeTree));
});

describe("renderKustomization (real kustomize)", () => {
  it("builds, substitutes (honouring the opt-out), then sets owner labels and common metadata", async () => {
    const root = await writeTree({
      "app/cm.yaml":
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings-${CLUSTER}\ndata:\n  replicas: \'${REPLICAS:=2}\'\n  region: ${REGION:-eu}\n  count: "${COUNT:=3}"\n  level: ${LEVEL:=4}\n  port: "8080"\n',
      "app/raw.yaml":
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: raw\n  annotations:\n    kustomize.toolkit.fluxcd.io/substitute: disabled\ndata:\n  script: echo ${CLUSTER}\n",
    });
    roots.push(root);
    const { objects, action } = await renderKustomization({
      root,
      path: "app",
      spec: { targetNamespace: "team" },
      owner: { name: "apps", namespace: "flux-system" },
      variables: new Map([["CLUSTER", "prod"]]),
      commonMetadata: { labels: { env: "prod" } },
    });
    expect(action).toBe("created");
    expect(objects).toEqual([
      {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: {
          name: "raw",
          namespace: "team",
          annotations: { "kustomize.toolkit.fluxcd.io/substitute": "disabled" },
          labels: {
            env: "prod",
            "kustomize.toolkit.fluxcd.io/name": "apps",
            "kustomize.toolkit.fluxcd.io/namespace": "flux-system",
          },
        },
        data: { script: "echo ${CLUSTER}" },
      },
      {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: {
          name: "settings-prod",
          namespace: "team",
          labels: {
            env: "prod",
            "kustomize.toolkit.fluxcd.io/name": "apps",
            "kustomize.toolkit.fluxcd.io/namespace": "flux-system",
          },
        },
        // Substitution runs on kustomize's YAML, as in Flux: kustomize prints '${REPLICAS:=2}' unquoted, so the
        // value becomes a number; a literal "8080" keeps its quotes and stays a string.
        data: { replicas: 2, region: "eu", count: 3, level: 4, port: "8080" },
      },
    ]);
  });
});
