import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { FIRST_PAGE, paths } from "../shared/api.js";

describe("the preloaded first page", () => {
  it("is the overview's first request, so the browser uses the preload instead of asking again", () => {
    const html = readFileSync(new URL("../client/index.html", import.meta.url), "utf8");
    const href = /<link rel="preload" href="([^"]+)" as="fetch"/.exec(html)?.[1]?.replaceAll("&amp;", "&");
    expect(href).toBe(paths.objects(FIRST_PAGE));
  });
});
