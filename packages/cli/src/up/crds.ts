// The chart's CRDs for `sluice up`: where they are on disk (from the sources or the built bin) and their
// installation into a cluster by server-side apply, waiting until each is Established.

import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { KubeClient, UnstructuredObject } from "@sluice/runtime";
import { parseAllDocuments } from "yaml";

/** Field manager of everything `sluice up` applies. */
export const UP_FIELD_MANAGER = "sluice";

/** Error for CRDs that cannot be found or do not become Established. */
export class CrdInstallError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CrdInstallError";
  }
}

/**
 * The chart's `crds/` directory: `$SLUICE_CRDS_DIR` when set, else `charts/sluice/crds` of the checkout this
 * module runs from (the same relative path from `src/up/` and `dist/up/`).
 */
export function findCrdDir(env: NodeJS.ProcessEnv = process.env): string {
  const candidates = [
    env["SLUICE_CRDS_DIR"],
    fileURLToPath(new URL("../../../../charts/sluice/crds", import.meta.url)),
  ].filter((c): c is string => typeof c === "string" && c !== "");
  for (const dir of candidates) if (existsSync(dir)) return resolve(dir);
  throw new CrdInstallError(`CRD directory not found (looked in ${candidates.join(", ")}); set SLUICE_CRDS_DIR`);
}

/** Reads every CustomResourceDefinition in the `*.yaml` files of `dir`, in file-name order. */
export async function readCrds(dir: string): Promise<UnstructuredObject[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith(".yaml") || f.endsWith(".yml")).sort();
  const crds: UnstructuredObject[] = [];
  for (const file of files) {
    for (const doc of parseAllDocuments(await readFile(join(dir, file), "utf8"))) {
      if (doc.errors.length > 0) throw new CrdInstallError(`${join(dir, file)}: ${doc.errors[0]?.message}`);
      const obj = doc.toJS() as UnstructuredObject | null;
      if (obj?.kind === "CustomResourceDefinition") crds.push(obj);
    }
  }
  return crds;
}

function established(crd: UnstructuredObject): boolean {
  const conditions = (crd["status"] as { conditions?: Array<{ type?: string; status?: string }> } | undefined)
    ?.conditions;
  return (conditions ?? []).some((c) => c.type === "Established" && c.status === "True");
}

/**
 * Server-side applies `crds` (field manager `sluice`, forced) and waits until each is Established, up to
 * `timeoutMs` (default 60 s). Returns the CRD names.
 */
export async function installCrds(
  client: KubeClient,
  crds: UnstructuredObject[],
  timeoutMs = 60_000,
): Promise<string[]> {
  const names: string[] = [];
  for (const crd of crds) {
    await client.apply(crd, { fieldManager: UP_FIELD_MANAGER, force: true });
    names.push(crd.metadata.name ?? "");
  }
  const deadline = Date.now() + timeoutMs;
  for (const name of names) {
    for (;;) {
      const crd = await client.get<UnstructuredObject>({
        apiVersion: "apiextensions.k8s.io/v1",
        kind: "CustomResourceDefinition",
        name,
      });
      if (established(crd)) break;
      if (Date.now() > deadline) {
        throw new CrdInstallError(`CustomResourceDefinition ${name} not Established after ${timeoutMs / 1000}s`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return names;
}
