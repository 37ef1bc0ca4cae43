import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { normalizeGoBooleans } from "./go-booleans.js";

function program(): Command {
  const p = new Command("sluice").option("--verbose", "global switch").option("-n, --namespace <ns>", "namespace");
  const create = p.command("create");
  create
    .command("kustomization")
    .option("--prune", "prune")
    .option("--wait", "wait")
    .option("--no-wait", "do not wait")
    .option("--path <path>", "path");
  p.command("install").option("--no-watch-all-namespaces", "watch one namespace");
  return p;
}

describe("normalizeGoBooleans", () => {
  it.each([
    [
      ["create", "kustomization", "x", "--prune=true"],
      ["create", "kustomization", "x", "--prune"],
    ],
    [
      ["create", "kustomization", "x", "--prune=false"],
      ["create", "kustomization", "x"],
    ],
    [
      ["create", "kustomization", "x", "--prune=1", "--wait=F"],
      ["create", "kustomization", "x", "--prune", "--no-wait"],
    ],
    [
      ["install", "--watch-all-namespaces=false"],
      ["install", "--no-watch-all-namespaces"],
    ],
    [["install", "--watch-all-namespaces=true"], ["install"]],
    [
      ["--verbose=TRUE", "create", "kustomization"],
      ["--verbose", "create", "kustomization"],
    ],
    // Values of flags that take one, unknown flags, non-boolean values and everything after -- stay as they are.
    [
      ["create", "kustomization", "--path=true"],
      ["create", "kustomization", "--path=true"],
    ],
    [
      ["-n", "install", "install", "--watch-all-namespaces=0"],
      ["-n", "install", "install", "--no-watch-all-namespaces"],
    ],
    [
      ["create", "kustomization", "--prune=yes"],
      ["create", "kustomization", "--prune=yes"],
    ],
    [
      ["create", "kustomization", "--bogus=true"],
      ["create", "kustomization", "--bogus=true"],
    ],
    [
      ["create", "kustomization", "--", "--prune=true"],
      ["create", "kustomization", "--", "--prune=true"],
    ],
  ])("%j → %j", (argv, expected) => {
    expect(normalizeGoBooleans(program(), argv)).toEqual(expected);
  });
});
