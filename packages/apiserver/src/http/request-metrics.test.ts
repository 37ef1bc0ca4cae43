import { describe, expect, it } from "vitest";
import { clientOf, metricVerb, RequestMetrics } from "./request-metrics.js";

describe("RequestMetrics", () => {
  it("counts requests per label set and renders them as apiserver_request_total", () => {
    const m = new RequestMetrics();
    const apply = {
      verb: "APPLY",
      group: "",
      resource: "configmaps",
      subresource: "",
      dryRun: true,
      code: 200,
      client: "kustomize-controller",
    };
    m.record(apply);
    m.record(apply);
    m.record({ ...apply, dryRun: false, code: 201 });
    const text = m.render();
    expect(text).toContain("# TYPE apiserver_request_total counter");
    expect(text).toContain(
      'apiserver_request_total{verb="APPLY",group="",resource="configmaps",subresource="",dry_run="All",code="200",client="kustomize-controller"} 2',
    );
    expect(text).toContain('dry_run="",code="201",client="kustomize-controller"} 1');
  });

  it.each([
    ["create", undefined, "POST"],
    ["update", undefined, "PUT"],
    ["patch", "application/apply-patch+yaml", "APPLY"],
    ["patch", "application/merge-patch+json", "PATCH"],
    ["list", undefined, "LIST"],
    ["watch", undefined, "WATCH"],
  ])("names verb %s (%s) %s", (verb, contentType, expected) => {
    expect(metricVerb(verb, contentType)).toBe(expected);
  });

  it.each([
    ["kubectl/v1.33.0 (linux/amd64) kubernetes/abc", "kubectl"],
    ["kustomize-controller/sluice", "kustomize-controller"],
    [undefined, "unknown"],
    ["", "unknown"],
  ])("names the client of User-Agent %s %s", (ua, expected) => {
    expect(clientOf(ua)).toBe(expected);
  });
});
