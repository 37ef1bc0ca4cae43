// HelmChart from an OCI HelmRepository: charts pushed with the real `helm push` into Debian's
// docker-registry (basic auth, plain HTTP) on 127.0.0.1, pulled by the source-controller with the
// repository's credentials.

import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import type { HelmChart } from "@sluice/api";
import { resolveTool } from "@sluice/runtime";
import {
  createTestPki,
  helmPushChart,
  type OciRegistry,
  requireTools,
  startOciRegistry,
  tempDir,
  writeTree,
} from "@sluice/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ControllerEnv, createSecret, downloadArtifact, startControllerEnv } from "./support/controller-env.js";
import { conditionOf, readyNow, sourceObjects } from "./support/source-objects.js";

const run = promisify(execFile);
const NS = "helmchart-oci";
const USER = "oci-user";
const PASSWORD = "0ci-s3cret-pw";

let root: { path: string; remove: () => Promise<void> };
let env: ControllerEnv;
let registry: OciRegistry;
const helm = () => resolveTool("helm").path;

/** `helm package` of a minimal chart `name`@`version`; returns the .tgz path. */
async function packageChart(name: string, version: string): Promise<string> {
  const dir = join(root.path, "src", `${name}-${version}`);
  await writeTree(dir, {
    "Chart.yaml": `apiVersion: v2\nname: ${name}\nversion: ${version}\n`,
    "values.yaml": "message: hello\n",
    "values-prod.yaml": "message: production\n",
    "templates/cm.yaml":
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n  message: {{ .Values.message | quote }}\n",
  });
  const out = join(root.path, "pkg");
  await mkdir(out, { recursive: true });
  await run(helm(), ["package", dir, "--destination", out]);
  return join(out, `${name}-${version}.tgz`);
}

beforeAll(async () => {
  root = await tempDir("sc-helmchart-oci-");
  registry = await startOciRegistry({ auth: { username: USER, password: PASSWORD } });
  for (const v of ["1.0.0", "1.1.0", "2.0.0"]) {
    await helmPushChart(helm(), registry, await packageChart("ocichart", v), "charts", {
      auth: { username: USER, password: PASSWORD },
    });
  }
  env = await startControllerEnv(root.path, NS);
  await createSecret(env, "registry-auth", { username: USER, password: PASSWORD });
  await createSecret(env, "wrong-auth", { username: USER, password: "not-the-password" });
}, 180_000);

afterAll(async () => {
  await env?.stop();
  await registry?.stop();
  await root?.remove();
});

const { ref, create, ...objects } = sourceObjects(() => env);
const waitChart = (name: string, check: (c: HelmChart) => boolean, what: string) =>
  objects.waitFor<HelmChart>("HelmChart", name, check, what);

describe.skipIf(requireTools("docker-registry", "helm").skip)("HelmChart from an OCI HelmRepository", () => {
  it("pulls the highest tag matching the range with the repository's credentials", async () => {
    await create("HelmRepository", "oci", {
      type: "oci",
      url: `oci://${registry.host}/charts`,
      insecure: true,
      secretRef: { name: "registry-auth" },
    });
    await create("HelmChart", "ocichart", {
      chart: "ocichart",
      version: "1.x",
      sourceRef: { kind: "HelmRepository", name: "oci" },
    });
    const chart = await waitChart("ocichart", readyNow, "Ready");
    expect(chart.status?.artifact?.revision).toBe("1.1.0");
    expect(chart.status?.artifact?.path).toBe(`helmchart/${NS}/ocichart/ocichart-1.1.0.tgz`);
    expect(conditionOf(chart, "Ready")?.reason).toBe("ChartPullSucceeded");
    expect(conditionOf(chart, "Ready")?.message).toBe("pulled 'ocichart' chart with version '1.1.0'");
    expect(chart.status?.observedSourceArtifactRevision).toBeUndefined();
    const data = await downloadArtifact(chart.status?.artifact?.url ?? "");
    expect(`sha256:${createHash("sha256").update(data).digest("hex")}`).toBe(chart.status?.artifact?.digest);
    const file = join(root.path, "pulled.tgz");
    await writeFile(file, data);
    const { stdout } = await run(helm(), ["template", "rel", file]);
    expect(stdout).toContain('message: "hello"');
    expect(JSON.stringify(chart)).not.toContain(PASSWORD);
  });

  it("packages the OCI chart with merged values files (revision <version>+<generation>)", async () => {
    await create("HelmChart", "ocichart-prod", {
      chart: "ocichart",
      sourceRef: { kind: "HelmRepository", name: "oci" },
      valuesFiles: ["values.yaml", "values-prod.yaml"],
    });
    const chart = await waitChart("ocichart-prod", readyNow, "Ready");
    expect(chart.status?.artifact?.revision).toBe(`2.0.0+${chart.metadata.generation}`);
    expect(conditionOf(chart, "Ready")?.reason).toBe("ChartPackageSucceeded");
    const data = await downloadArtifact(chart.status?.artifact?.url ?? "");
    const file = join(root.path, "packaged.tgz");
    await writeFile(file, data);
    const { stdout } = await run(helm(), ["template", "rel", file]);
    expect(stdout).toContain('message: "production"');
  });

  it("pulls over HTTPS trusting the CA of certSecretRef", async () => {
    const pki = createTestPki();
    const secure = await startOciRegistry({ tls: { key: pki.serverKey, cert: pki.serverCert } });
    try {
      const caFile = join(root.path, "registry-ca.crt");
      await writeFile(caFile, pki.caCert);
      await helmPushChart(helm(), secure, await packageChart("tlschart", "3.1.4"), "secure", { caFile });
      await createSecret(env, "registry-ca", { "ca.crt": pki.caCert });
      await create("HelmRepository", "oci-tls", {
        type: "oci",
        url: `oci://${secure.host}/secure`,
        certSecretRef: { name: "registry-ca" },
      });
      await create("HelmChart", "tlschart", {
        chart: "tlschart",
        version: "3.1.4",
        sourceRef: { kind: "HelmRepository", name: "oci-tls" },
      });
      const chart = await waitChart("tlschart", readyNow, "Ready");
      expect(chart.status?.artifact?.revision).toBe("3.1.4");
    } finally {
      await secure.stop();
    }
  });

  it("wrong registry credentials fail naming the authentication failure", async () => {
    await create("HelmRepository", "oci-wrong", {
      type: "oci",
      url: `oci://${registry.host}/charts`,
      insecure: true,
      secretRef: { name: "wrong-auth" },
    });
    await create("HelmChart", "ocichart-denied", {
      chart: "ocichart",
      sourceRef: { kind: "HelmRepository", name: "oci-wrong" },
    });
    const chart = await waitChart(
      "ocichart-denied",
      (c) => conditionOf(c, "Ready")?.status === "False" && conditionOf(c, "FetchFailed") !== undefined,
      "FetchFailed",
    );
    expect(conditionOf(chart, "FetchFailed")?.message).toContain("failed to authenticate with the Helm repository");
    expect(conditionOf(chart, "FetchFailed")?.message).not.toContain("not-the-password");
    expect(chart.status?.artifact).toBeUndefined();
  });
});
