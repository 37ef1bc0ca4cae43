import { defineProject } from "vitest/config";

export default defineProject({
  resolve: { conditions: ["sluice-source"] },
  ssr: { resolve: { conditions: ["sluice-source"] } },
  test: {
    name: "e2e",
    include: ["**/*.test.ts"],
    // image/ is its own project (one image build per run): image/vitest.config.ts.
    exclude: ["node_modules/**", "image/**"],
    // Generous: e2e tests start every controller and real servers, and wait on reconciles (up to 2 min each)
    // on a machine shared with other work.
    testTimeout: 300_000,
    hookTimeout: 180_000,
  },
});
