// The GitHub workflows cannot run here; this keeps them well-formed and saying what the release promises:
// the tag trigger, the repository's Dockerfile built for amd64 and arm64 and pushed, the chart packaged with
// the tag's version and pushed as OCI, both signed keyless; CI running .ci/run.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const WORKFLOWS = join(import.meta.dirname, "../../.github/workflows");

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Workflow {
  on: Record<string, unknown>;
  jobs: Record<string, { steps: Step[]; permissions?: Record<string, string> }>;
}
const workflow = (file: string) => parse(readFileSync(join(WORKFLOWS, file), "utf8")) as Workflow;

describe(".github/workflows", () => {
  it("release.yaml builds, pushes and signs the multi-arch image and the chart on a version tag", () => {
    const release = workflow("release.yaml");
    expect(release.on).toEqual({ push: { tags: ["v*.*.*"] } });
    const job = release.jobs["release"]!;
    expect(job.permissions).toMatchObject({ packages: "write", "id-token": "write" });
    const build = job.steps.find((s) => s.uses?.startsWith("docker/build-push-action@"));
    expect(build?.with).toMatchObject({ file: "Dockerfile", platforms: "linux/amd64,linux/arm64", push: true });
    const script = job.steps.map((s) => s.run ?? "").join("\n");
    expect(script).toContain('cosign sign --yes "$REGISTRY/sluice@$DIGEST"');
    expect(script).toContain('helm package charts/sluice --version "$VERSION" --app-version "$VERSION"');
    expect(script).toContain('helm push "dist/chart/sluice-$VERSION.tgz" "oci://$REGISTRY/charts"');
    expect(script).toContain('cosign sign --yes "$REGISTRY/charts/sluice@$digest"');
  });

  it("ci.yaml runs .ci/run", () => {
    const ci = workflow("ci.yaml");
    expect(Object.keys(ci.on).sort()).toEqual(["pull_request", "push"]);
    expect(ci.jobs["check"]!.steps.map((s) => s.run ?? "").join("\n")).toContain("bash .ci/run");
  });
});
