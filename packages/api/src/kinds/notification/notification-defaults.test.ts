import { describe, expect, it } from "vitest";
import { oidcAudience, providerTimeoutMs, receiverIntervalMs } from "./notification-defaults.js";

describe("notification defaults in code", () => {
  it("sends with a 15s timeout unless set", () => {
    expect(providerTimeoutMs({})).toBe(15_000);
    expect(providerTimeoutMs({ timeout: "1m" })).toBe(60_000);
  });

  it("reconciles receivers every 10m unless set", () => {
    expect(receiverIntervalMs({})).toBe(600_000);
    expect(receiverIntervalMs({ interval: "1h" })).toBe(3_600_000);
  });

  it("expects the notification-controller audience unless set", () => {
    expect(oidcAudience({})).toBe("notification-controller");
    expect(oidcAudience({ audience: "sts.amazonaws.com" })).toBe("sts.amazonaws.com");
  });
});
