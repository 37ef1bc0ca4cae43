import { defineProject } from "vitest/config";

// The container image's tests: one build of the image per run (global-setup.ts), shared by every file.
export default defineProject({
  resolve: { conditions: ["sluice-source"] },
  ssr: { resolve: { conditions: ["sluice-source"] } },
  test: {
    name: "image",
    root: import.meta.dirname,
    include: ["**/*.test.ts"],
    globalSetup: ["./support/global-setup.ts"],
    // The image's controllers run as separate processes against one API server; files run one at a time so
    // the machine is not asked to run a dozen Node processes at once.
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 600_000,
  },
});
