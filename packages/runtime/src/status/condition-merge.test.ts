import type { Condition } from "@sluice/api";
import { describe, expect, it } from "vitest";
import { mergeConditions } from "./condition-merge.js";

const c = (type: string, status: Condition["status"], reason = "R"): Condition => ({
  type,
  status,
  reason,
  message: "",
  lastTransitionTime: "2024-01-01T00:00:00Z",
});

describe("mergeConditions", () => {
  it("keeps others' changes to conditions we did not touch and our changes to those we did", () => {
    const base = [c("Ready", "Unknown"), c("Foreign", "True")];
    const ours = [c("Ready", "True"), c("Foreign", "True")];
    const theirs = [c("Ready", "False", "Other"), c("Foreign", "False"), c("Added", "True")];
    expect(mergeConditions(base, ours, theirs)).toEqual([
      c("Ready", "True"),
      c("Added", "True"),
      c("Foreign", "False"),
    ]);
  });

  it("deletes what we deleted and forces owned conditions", () => {
    const base = [c("Reconciling", "True"), c("ArtifactInStorage", "True")];
    const ours = [c("ArtifactInStorage", "True")];
    const theirs = [c("Reconciling", "True"), c("ArtifactInStorage", "False")];
    expect(mergeConditions(base, ours, theirs)).toEqual([c("ArtifactInStorage", "False")]);
    expect(mergeConditions(base, ours, theirs, ["ArtifactInStorage"])).toEqual([c("ArtifactInStorage", "True")]);
  });
});
