import { describe, expect, it } from "vitest";
import { type ConditionInput, getCondition, type ObjectWithConditions, setCondition } from "./object-conditions.js";
import { type ReadySummary, summarize, summarizeReady } from "./summarize.js";

/** GitRepository's Ready summary in source-controller. */
const gitReady: ReadySummary = {
  summarize: [
    "StorageOperationFailed",
    "FetchFailed",
    "IncludeUnavailable",
    "ArtifactOutdated",
    "ArtifactInStorage",
    "SourceVerified",
    "Stalled",
    "Reconciling",
  ],
  negativePolarity: [
    "StorageOperationFailed",
    "FetchFailed",
    "IncludeUnavailable",
    "ArtifactOutdated",
    "Stalled",
    "Reconciling",
  ],
  biPolarity: ["SourceVerified"],
};

function withConditions(conditions: Array<[string, ConditionInput["status"], string, string?]>): ObjectWithConditions {
  const o: ObjectWithConditions = { metadata: { generation: 1 } };
  for (const [type, status, reason, message] of conditions) {
    setCondition(o, { type, status, reason, message: message ?? `${type} ${reason}` });
  }
  return o;
}

describe("summarizeReady", () => {
  it.each([
    {
      name: "only positive owned conditions True: Ready=True from the first in order",
      conditions: [
        ["SourceVerified", "True", "Succeeded"],
        ["ArtifactInStorage", "True", "Succeeded", "stored artifact for revision 'main@sha1:abc'"],
      ],
      want: ["True", "Succeeded", "stored artifact for revision 'main@sha1:abc'"],
    },
    {
      name: "abnormal-true conditions outrank positive ones; the first in summarize order gives the reason",
      conditions: [
        ["ArtifactInStorage", "True", "Succeeded"],
        ["FetchFailed", "True", "GitOperationFailed"],
        ["Stalled", "True", "InvalidURL", "invalid url"],
      ],
      want: ["False", "GitOperationFailed", "FetchFailed GitOperationFailed"],
    },
    {
      name: "Stalled=True makes Ready=False with its reason and message",
      conditions: [
        ["Stalled", "True", "InvalidURL", "invalid url"],
        ["ArtifactInStorage", "True", "Succeeded"],
      ],
      want: ["False", "InvalidURL", "invalid url"],
    },
    {
      name: "Reconciling=True makes Ready=False with the progress message",
      conditions: [
        ["Reconciling", "True", "Progressing", "building artifact"],
        ["ArtifactInStorage", "True", "Succeeded"],
      ],
      want: ["False", "Progressing", "building artifact"],
    },
    {
      name: "positive False outranks positive True",
      conditions: [
        ["ArtifactInStorage", "False", "ArtifactFailed", "no artifact"],
        ["SourceVerified", "True", "Succeeded"],
      ],
      want: ["False", "ArtifactFailed", "no artifact"],
    },
    {
      name: "abnormal-true False conditions alone mean Ready=True",
      conditions: [["FetchFailed", "False", "Succeeded", "fetched"]],
      want: ["True", "Succeeded", "fetched"],
    },
    {
      name: "Unknown only: Ready=Unknown",
      conditions: [["ArtifactInStorage", "Unknown", "Progressing", "wait"]],
      want: ["Unknown", "Progressing", "wait"],
    },
    {
      name: "a False bi-polarity condition overrides an otherwise True Ready",
      conditions: [
        ["ArtifactInStorage", "True", "Succeeded"],
        ["SourceVerified", "False", "VerificationError", "signature invalid"],
      ],
      want: ["False", "VerificationError", "signature invalid"],
    },
    {
      name: "conditions outside the summary are ignored",
      conditions: [
        ["ArtifactInStorage", "True", "Succeeded", "stored"],
        ["SomethingElse", "False", "Broken"],
      ],
      want: ["True", "Succeeded", "stored"],
    },
  ] as Array<{ name: string; conditions: Array<[string, ConditionInput["status"], string, string?]>; want: string[] }>)(
    "$name",
    ({ conditions, want }) => {
      const o = withConditions(conditions);
      summarizeReady(o, gitReady);
      const ready = getCondition(o, "Ready");
      expect([ready?.status, ready?.reason, ready?.message]).toEqual(want);
      expect(ready?.observedGeneration).toBe(1);
    },
  );

  it("leaves Ready alone when nothing is in scope", () => {
    const o = withConditions([["Other", "True", "X"]]);
    summarizeReady(o, gitReady);
    expect(getCondition(o, "Ready")).toBeUndefined();
  });

  it("never counts the target condition itself", () => {
    const o = withConditions([
      ["Ready", "False", "Failed", "old failure"],
      ["Healthy", "True", "Succeeded", "healthy"],
    ]);
    expect(summarize(o, "Ready")).toEqual({ type: "Ready", status: "True", reason: "Succeeded", message: "healthy" });
  });

  it("inverts the summary for a negative-polarity target", () => {
    const o = withConditions([["ArtifactInStorage", "False", "Missing", "gone"]]);
    expect(summarize(o, "Degraded", { negativePolarity: ["Degraded"] })?.status).toBe("True");
  });
});
