import { defineConfig } from "vitest/config";

// One Vitest run over every package; each package has its own vitest.config.ts (a project).
export default defineConfig({
  test: {
    projects: ["packages/*/vitest.config.ts", "e2e/vitest.config.ts", "e2e/image/vitest.config.ts"],
  },
});
