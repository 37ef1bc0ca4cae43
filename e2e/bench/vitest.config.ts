import { fileURLToPath } from "node:url";
import { defineProject } from "vitest/config";

// `pnpm bench`: figures printed to stdout, no timed assertions.
export default defineProject({
  root: fileURLToPath(new URL("..", import.meta.url)),
  resolve: { conditions: ["sluice-source"] },
  ssr: { resolve: { conditions: ["sluice-source"] } },
  test: { name: "e2e-bench", include: ["bench/**/*.bench-run.ts"], testTimeout: 1_500_000 },
});
