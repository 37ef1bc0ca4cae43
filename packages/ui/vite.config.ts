import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

// The front end: src/client → dist/public, served by the UI server. No CDN: every asset is bundled.
export default defineConfig({
  root: fileURLToPath(new URL("./src/client", import.meta.url)),
  base: "./",
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: fileURLToPath(new URL("./dist/public", import.meta.url)),
    emptyOutDir: true,
    // No inline scripts or eval: the server's Content-Security-Policy forbids them.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false,
  },
});
