import { defineProject } from "vitest/config";

export default defineProject({
  resolve: { conditions: ["sluice-source"] },
  ssr: { resolve: { conditions: ["sluice-source"] } },
  test: { name: "controllers", include: ["src/**/*.test.ts"], testTimeout: 60_000 },
});
