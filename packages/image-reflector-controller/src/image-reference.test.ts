import { describe, expect, it } from "vitest";
import { ImageReferenceError, parseImageReference } from "./image-reference.js";

describe("parseImageReference", () => {
  it.each([
    ["alpine", "index.docker.io", "library/alpine"],
    ["docker.io/fluxcd/flux", "index.docker.io", "fluxcd/flux"],
    ["ghcr.io/fluxcd/flux-cli", "ghcr.io", "fluxcd/flux-cli"],
    ["localhost:5000/app", "localhost:5000", "app"],
    ["127.0.0.1:5000/team/app", "127.0.0.1:5000", "team/app"],
    ["localhost/app", "localhost", "app"],
  ])("%s → %s / %s", (image, registry, repository) => {
    expect(parseImageReference(image)).toEqual({ registry, repository, canonicalName: `${registry}/${repository}` });
  });

  it.each([
    ["https://ghcr.io/app", "should not include URL scheme; remove 'https://'"],
    ["ghcr.io/app:v1", "should not include a tag; remove ':v1'"],
    ["localhost:5000/app:latest", "should not include a tag; remove ':latest'"],
    ["ghcr.io/App", "repository must be lowercase"],
    ["", "repository must be lowercase"],
  ])("refuses %j", (image, message) => {
    expect(() => parseImageReference(image)).toThrow(ImageReferenceError);
    expect(() => parseImageReference(image)).toThrow(message);
  });
});
