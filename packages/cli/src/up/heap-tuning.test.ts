import { describe, expect, it } from "vitest";
import { tuneHeapForUp, UP_HEAP_FLAGS } from "./heap-tuning.js";

describe("tuneHeapForUp", () => {
  it("applies every setting when node was given none", () => {
    expect(tuneHeapForUp([], "")).toEqual([...UP_HEAP_FLAGS]);
  });

  it("keeps the user's own settings, from the command line or NODE_OPTIONS, in either spelling", () => {
    expect(tuneHeapForUp(["--heap-growing-percent=80"], "")).toEqual(["--max-semi-space-size=8"]);
    expect(tuneHeapForUp([], "--max_semi_space_size=32 --heap-growing-percent=20")).toEqual([]);
  });
});
