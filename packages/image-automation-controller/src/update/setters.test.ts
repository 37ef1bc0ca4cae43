import { describe, expect, it } from "vitest";
import { type PolicyImage, updateText } from "./setters.js";

const policies = new Map<string, PolicyImage>([
  ["apps:podinfo", { setter: "apps:podinfo", name: "ghcr.io/org/podinfo", tag: "6.1.0" }],
  ["apps:digest", { setter: "apps:digest", name: "reg/app", tag: "v2", digest: "sha256:abc" }],
]);

describe("updateText", () => {
  it("replaces only the marked scalars, keeping every other byte", () => {
    const text = `# a comment that stays
apiVersion: apps/v1
kind: Deployment
metadata:
  name: podinfo   # trailing comment
  namespace: apps
spec:
  template:
    spec:
      containers:
        - name: app
          image: ghcr.io/org/podinfo:6.0.0 # {"$imagepolicy": "apps:podinfo"}
        - name: sidecar
          image: "reg/app:v1"  # {"$imagepolicy": "apps:digest"}
        - name: other
          image: 'x:1' # {"$imagepolicy": "apps:unknown"}
---
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
images:
  - name: podinfo
    newName: old/name # {"$imagepolicy": "apps:podinfo:name"}
    newTag: '6.0.0' # {"$imagepolicy": "apps:podinfo:tag"}
    digest: sha256:old # {"$imagepolicy": "apps:digest:digest"}
`;
    const out = updateText(text, policies);
    expect(out.text).toBe(
      text
        .replace("ghcr.io/org/podinfo:6.0.0 #", "ghcr.io/org/podinfo:6.1.0 #")
        .replace('"reg/app:v1"', '"reg/app:v2@sha256:abc"')
        .replace("old/name #", "ghcr.io/org/podinfo #")
        .replace("'6.0.0'", "'6.1.0'")
        .replace("sha256:old #", "sha256:abc #"),
    );
    expect(out.changes.map((c) => c.change.Setter)).toEqual([
      "apps:podinfo",
      "apps:digest",
      "apps:podinfo:name",
      "apps:podinfo:tag",
      "apps:digest:digest",
    ]);
    expect(out.changes[0]?.object).toEqual({
      APIVersion: "apps/v1",
      Kind: "Deployment",
      Name: "podinfo",
      Namespace: "apps",
    });
  });

  it("leaves up-to-date values and unknown policies alone", () => {
    const text =
      'image: ghcr.io/org/podinfo:6.1.0 # {"$imagepolicy": "apps:podinfo"}\nx: y # {"$imagepolicy": "apps:nope:tag"}\n';
    expect(updateText(text, policies)).toEqual({ text, changes: [] });
  });

  it("quotes a plain value that would not read back as a string", () => {
    const out = updateText(
      'tag: v1 # {"$imagepolicy": "apps:podinfo:tag"}\n',
      new Map([["apps:podinfo", { setter: "apps:podinfo", name: "n", tag: "10" }]]),
    );
    expect(out.text).toBe('tag: "10" # {"$imagepolicy": "apps:podinfo:tag"}\n');
  });

  it("throws on YAML it cannot parse", () => {
    expect(() => updateText('a: [unclosed # {"$imagepolicy": "apps:podinfo"}\n', policies)).toThrow();
  });
});
