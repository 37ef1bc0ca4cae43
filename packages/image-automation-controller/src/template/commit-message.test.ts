import { describe, expect, it } from "vitest";
import type { UpdateResult } from "../update/setters.js";
import { commitMessage, RemovedTemplateFieldError } from "./commit-message.js";

const result: UpdateResult = {
  problemFiles: [],
  FileChanges: new Map([
    [
      "apps/deploy.yaml",
      new Map([
        [
          "apps/v1/Deployment/apps/podinfo",
          {
            object: { APIVersion: "apps/v1", Kind: "Deployment", Name: "podinfo", Namespace: "apps" },
            changes: [{ OldValue: "podinfo:6.0.0", NewValue: "podinfo:6.1.0", Setter: "apps:podinfo" }],
          },
        ],
      ]),
    ],
    [
      "apps/kustomization.yaml",
      new Map([
        [
          "k/Kustomization//",
          {
            object: { APIVersion: "k", Kind: "Kustomization", Name: "", Namespace: "" },
            changes: [{ OldValue: "6.0.0", NewValue: "6.1.0", Setter: "apps:podinfo:tag" }],
          },
        ],
      ]),
    ],
  ]),
};

describe("commitMessage", () => {
  it("defaults to Flux's message", () => {
    expect(commitMessage(undefined, "flux-system", "auto", result)).toBe("Update from image update automation");
  });

  it("runs Flux's documented template", () => {
    const template = `Automated image update

Automation name: {{ .AutomationObject }}

Files:
{{ range $filename, $_ := .Changed.FileChanges -}}
- {{ $filename }}
{{ end -}}

Objects:
{{ range $resource, $changes := .Changed.Objects -}}
- {{ $resource.Kind }} {{ $resource.Name }}
  Changes:
{{- range $_, $change := $changes }}
    - {{ $change.OldValue }} -> {{ $change.NewValue }}
{{ end -}}
{{ end -}}
{{ if .Values.env }}Env: {{ .Values.env | upper }}{{ else }}no env{{ end }}`;
    expect(commitMessage(template, "flux-system", "auto", result, { env: "prod" })).toBe(`Automated image update

Automation name: flux-system/auto

Files:
- apps/deploy.yaml
- apps/kustomization.yaml
Objects:
- Deployment podinfo
  Changes:
    - podinfo:6.0.0 -> podinfo:6.1.0
- Kustomization 
  Changes:
    - 6.0.0 -> 6.1.0
Env: PROD`);
  });

  it("lists changes with printf and len", () => {
    const t = `{{ len .Changed.Changes }} change(s){{ range .Changed.Changes }}; {{ printf "%s=%s" .Setter .NewValue }}{{ end }}`;
    expect(commitMessage(t, "ns", "a", result)).toBe("2 change(s); apps:podinfo=podinfo:6.1.0; apps:podinfo:tag=6.1.0");
  });

  it("stalls on removed fields and reports bad templates", () => {
    expect(() => commitMessage("{{ .Updated }}", "ns", "a", result)).toThrow(RemovedTemplateFieldError);
    expect(() => commitMessage("{{ .Changed.ImageResult }}", "ns", "a", result)).toThrow(
      "removed field '.Changed.ImageResult'",
    );
    expect(() => commitMessage("{{ if }", "ns", "a", result)).toThrow("failed to run template from spec");
    expect(() => commitMessage("{{ nofunc 1 }}", "ns", "a", result)).toThrow('function "nofunc" not defined');
  });
});
