import { describe, expect, it } from "vitest";
import { TokenBucket } from "./rate-limiter.js";

describe("TokenBucket", () => {
  it("lets a burst through, then spaces requests at 1/qps", () => {
    let now = 0;
    const bucket = new TokenBucket({ qps: 10, burst: 3 }, () => now);
    expect([bucket.reserve(), bucket.reserve(), bucket.reserve()]).toEqual([0, 0, 0]);
    // Bucket empty: the 4th waits one token (100 ms), the 5th two tokens.
    expect(bucket.reserve()).toBeCloseTo(100);
    expect(bucket.reserve()).toBeCloseTo(200);
    // After a second, the 10 refilled tokens pay back the 2 borrowed and bank up to burst.
    now = 1000;
    expect(bucket.reserve()).toBe(0);
    expect(bucket.reserve()).toBe(0);
    expect(bucket.reserve()).toBe(0);
    expect(bucket.reserve()).toBeCloseTo(100);
  });

  it("rejects nonsense limits", () => {
    expect(() => new TokenBucket({ qps: 0, burst: 1 })).toThrow(RangeError);
    expect(() => new TokenBucket({ qps: 1, burst: 0 })).toThrow(RangeError);
  });
});
