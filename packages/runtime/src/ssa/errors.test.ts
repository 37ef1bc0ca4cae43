import { describe, expect, it } from "vitest";
import { ApiError } from "../kube/api-error.js";
import { DryRunError, isImmutableError } from "./errors.js";

const invalid = (message: string, causes: { field?: string; message?: string }[] = []) =>
  new ApiError({ status: 422, reason: "Invalid", message, details: { causes } });

describe("DryRunError", () => {
  it("names the object, the reason and the fields of a 422", () => {
    const err = new DryRunError(
      "Deployment/apps/web",
      invalid(
        'Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0',
        [{ field: "spec.replicas", message: "Invalid value: -1" }],
      ),
    );
    expect(err.message).toBe(
      'Deployment/apps/web dry-run failed (Invalid): Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0',
    );
    expect(err.fields).toEqual(["spec.replicas"]);
    expect(err.subject).toBe("Deployment/apps/web");
  });

  it("appends fields the server message does not mention", () => {
    const err = new DryRunError(
      "Widget/apps/w",
      invalid('Widget.example.com "w" is invalid', [{ field: "spec.size" }]),
    );
    expect(err.message).toMatch(/\[fields: spec\.size\]$/);
  });

  it("reports a missing namespace as not found", () => {
    const err = new DryRunError(
      "ConfigMap/nope/c",
      new ApiError({ status: 404, reason: "NotFound", message: 'namespaces "nope" not found' }),
    );
    expect(err.message).toBe('ConfigMap/nope/c not found: namespaces "nope" not found');
  });
});

describe("isImmutableError", () => {
  it.each([
    [invalid('Job.batch "j" is invalid: spec.template: Invalid value: ...: field is immutable'), true],
    [
      invalid('Service "s" is invalid', [
        { field: "spec.clusterIPs[0]", message: 'Invalid value: "None": may not change once set' },
      ]),
      true,
    ],
    [invalid('Deployment.apps "web" is invalid: spec.replicas: must be greater than or equal to 0'), false],
    [new ApiError({ status: 409, reason: "Conflict", message: "field is immutable" }), false],
    [new Error("field is immutable"), false],
  ])("%#", (err, expected) => {
    expect(isImmutableError(err)).toBe(expected);
  });
});
