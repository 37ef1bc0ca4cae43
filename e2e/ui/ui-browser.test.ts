// The web UI in a real Chromium (Debian's, driven by playwright-core) against `sluice up --demo`'s own
// wiring: the overview lists the demo, a git push shows on screen without reload, the actions work for a
// logged-in user and answer 403 to a read-only one, a HelmRelease installed by the real helm shows its
// release history and masked values, the controllers' log lines tail live, an OIDC login (a real
// `oidc-provider`) acts as the ID token's user, and no response ever carries a Secret's value.
// Screenshots of each view go to test-results/ui/ (git-ignored).

import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { DEMO_GIT_ENV, startUp, type UpSession } from "@sluice/cli/up";
import { createLogger } from "@sluice/runtime";
import {
  createHelmChartRepo,
  eventually,
  type HelmRepoServer,
  type OidcProvider,
  startHelmRepoServer,
  startOidcProvider,
} from "@sluice/testkit";
import { startUiServer, type UiServer } from "@sluice/ui";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const CHROMIUM = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium";
const SHOTS = join(dirname(fileURLToPath(import.meta.url)), "../../test-results/ui");
const SECRET_VALUE = "ui-e2e-secret-value-3f9a1c";

let session: UpSession;
let browser: Browser;
let page: Page;
let work: string;
let charts: HelmRepoServer | undefined;
let idp: OidcProvider | undefined;
let oidcUi: UiServer | undefined;
/** Every response body the browser (and this test) received. */
const bodies: string[] = [];

async function git(cwd: string, args: string[]): Promise<string> {
  const { stdout } = await run("git", args, { cwd, env: DEMO_GIT_ENV });
  return stdout.trim();
}

function row(id: string): string {
  return `tr[data-id="${id}"]`;
}

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

beforeAll(async () => {
  // A test needing Chromium fails when it is missing (scripts/setup.sh installs it).
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: run scripts/setup.sh`);
  await mkdir(SHOTS, { recursive: true });
  work = await mkdtemp(join(tmpdir(), "sluice-ui-e2e-"));
  session = await startUp({
    controllers: ["source-controller", "kustomize-controller", "helm-controller", "notification-controller"],
    demo: true,
    ui: true,
    uiPort: 0,
    workloadDelayMs: 200,
    // The controllers log to files, as `sluice up` does: the log viewer reads them.
    fileLogs: { level: "info" },
    logger: await createLogger({ level: "error", encoding: "json", destination: process.stderr }),
  });
  const secret = {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "hello-credentials", namespace: "flux-system" },
    stringData: { password: SECRET_VALUE },
  };
  await session.client.apply(secret, { fieldManager: "ui-e2e", force: true });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-dev-shm-usage"] });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  record(page);
});

/** Keeps every response body a page receives (event streams excepted), for the Secret check. */
function record(p: Page): void {
  p.on("response", (res) => {
    if ((res.headers()["content-type"] ?? "").includes("text/event-stream")) return;
    res.text().then(
      (t) => bodies.push(t),
      () => undefined,
    );
  });
}

afterAll(async () => {
  await browser?.close();
  await oidcUi?.stop();
  await idp?.stop();
  await charts?.stop();
  await session?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe("web UI in Chromium against sluice up --demo", () => {
  it("lists the demo's objects with their state", async () => {
    await page.goto(session.ui!.url);
    for (const id of [
      "GitRepository/flux-system/demo",
      "Kustomization/flux-system/demo-staging",
      "Kustomization/flux-system/demo-production",
    ]) {
      await page.locator(row(id)).locator(".badge", { hasText: "Ready" }).waitFor({ timeout: 120_000 });
    }
    expect(await page.locator(row("GitRepository/flux-system/demo")).locator("td.revision").textContent()).toMatch(
      /^main@sha1:[0-9a-f]{12}$/,
    );
    await shot("overview");
  });

  it("shows a pushed commit's revision without reloading the page", async () => {
    await page.evaluate(() => {
      (globalThis as unknown as { marker: string }).marker = "same-page";
    });
    const clone = join(work, "clone");
    await git(work, ["clone", session.demo!.repoUrl, clone]);
    const file = join(clone, "overlays/staging/kustomization.yaml");
    await writeFile(file, (await readFile(file, "utf8")).replace("Hello from staging", "Hello from the UI test"));
    await git(clone, ["commit", "-am", "staging: new greeting"]);
    await git(clone, ["push", "origin", "HEAD:main"]);
    const sha = await git(clone, ["rev-parse", "HEAD"]);
    await page
      .locator(row("Kustomization/flux-system/demo-staging"))
      .locator(`td.revision[title="main@sha1:${sha}"]`)
      .waitFor({ timeout: 120_000 });
    expect(await page.evaluate(() => (globalThis as unknown as { marker?: string }).marker)).toBe("same-page");
    await shot("overview-after-push");
  });

  it("answers 403 to a read-only user's action", async () => {
    await page.locator(`${row("Kustomization/flux-system/demo-staging")} a`).click();
    await page.locator("h1", { hasText: "demo-staging" }).waitFor();
    await page.locator('button[data-action="reconcile"]').click();
    await expect(page.locator(".actions [role=status]").textContent()).resolves.toContain("403");
    await shot("detail-read-only");
  });

  it("suspends, resumes and reconciles as the logged-in user", async () => {
    const token = session.kubeConfig.getCurrentUser()?.token ?? "";
    await page.getByRole("button", { name: "Log in" }).click();
    await page.locator('input[name="token"]').fill(token);
    await page.locator("form.session button[type=submit]").click();
    await page.locator("header .session", { hasText: "Log out" }).waitFor();

    await page.locator('button[data-action="suspend"]').click();
    await page.locator("h1 .badge", { hasText: "Suspended" }).waitFor({ timeout: 60_000 });
    await shot("detail-suspended");
    await page.locator('button[data-action="resume"]').click();
    await page.locator("h1 .badge", { hasText: "Ready" }).waitFor({ timeout: 120_000 });
    await page.locator('button[data-action="reconcile-with-source"]').click();
    await expect(page.locator(".actions [role=status]").textContent()).resolves.toContain("requested");
    expect(await page.locator(".actions code").textContent()).toContain("kubectl annotate --overwrite");
    // The controller's events of the resumed reconcile show on the page.
    await page.locator("ul.events li", { hasText: "ReconciliationSucceeded" }).first().waitFor({ timeout: 120_000 });
    await shot("detail-after-actions");
  });

  it("shows the resource tree: the Deployment and its Pods, with their health", async () => {
    const tree = page.locator("ul.tree");
    const deployment = tree.locator('li[data-kind="Deployment"][data-name="hello"]');
    await deployment.waitFor({ timeout: 60_000 });
    await deployment.locator('li[data-kind="ReplicaSet"]').first().waitFor({ timeout: 60_000 });
    await deployment
      .locator('li[data-kind="Pod"]')
      .locator(".badge", { hasText: "Current" })
      .first()
      .waitFor({ timeout: 60_000 });
    expect(await tree.locator('li[data-kind="ConfigMap"]').count()).toBe(1);
    await shot("resource-tree");
  });

  it("shows kubectl scale as drift in the desired-vs-live diff, and no drift once resumed and reconciled", async () => {
    // Suspended, the drift stays until the test resumes the Kustomization (no reconcile races the comparison).
    await page.locator('button[data-action="suspend"]').click();
    await page.locator("h1 .badge", { hasText: "Suspended" }).waitFor({ timeout: 60_000 });
    // A reconcile that started before the suspension may still put the replicas back: scale until the
    // comparison sees the drift (each comparison is one numbered run).
    const entry = page.locator('[data-id="Deployment/demo-staging/hello"]');
    let run = 0;
    for (;;) {
      await session.client.patch(
        { apiVersion: "apps/v1", kind: "Deployment", namespace: "demo-staging", name: "hello" },
        { spec: { replicas: 4 } },
        { type: "application/merge-patch+json" },
      );
      await page.getByTestId("diff").click();
      await page.locator(`[data-testid="diff-summary"][data-run="${++run}"]`).waitFor({ timeout: 120_000 });
      if ((await entry.count()) > 0) break;
      if (run > 10) throw new Error("the comparison never showed the scaled Deployment");
    }
    const lines = await entry.locator("pre.diff").textContent();
    expect(lines).toMatch(/^-\s+replicas: 4$/m);
    expect(lines).toMatch(/^\+\s+replicas: 1$/m);
    await shot("diff-drift");
    await page.locator('button[data-action="resume"]').click();
    // Compare until the controller has put the replicas back (each comparison is one numbered run).
    for (const first = run; ; ) {
      await page.getByTestId("diff").click();
      const summary = page.locator(`[data-testid="diff-summary"][data-run="${++run}"]`);
      await summary.waitFor({ timeout: 120_000 });
      if ((await summary.textContent())?.startsWith("No changes")) break;
      if (run > first + 60) throw new Error("the drift was not corrected");
      await page.waitForTimeout(1000);
    }
    await shot("diff-corrected");
  });

  it("rolls back to an earlier revision with a revert commit that the loop applies", async () => {
    const button = page.locator("button[data-rollback]").first();
    await button.waitFor({ timeout: 60_000 });
    await button.click();
    const result = page.locator(".rollback-result .ok");
    await result.waitFor({ timeout: 60_000 });
    const short = /pushed revert commit ([0-9a-f]{12})/.exec((await result.textContent()) ?? "")?.[1];
    expect(short).toBeTruthy();
    // The push reconciles the source; the Kustomization applies the revert like any commit.
    await page.locator('[data-testid="revision"]', { hasText: short! }).waitFor({ timeout: 120_000 });
    const log = await git(join(work, "clone"), ["pull", "--quiet", "origin", "main"]).then(() =>
      git(join(work, "clone"), ["log", "-1", "--format=%s%n%b"]),
    );
    expect(log).toContain("Roll back Kustomization flux-system/demo-staging");
    const staging = await readFile(join(work, "clone/overlays/staging/kustomization.yaml"), "utf8");
    expect(staging).toContain("Hello from staging");
    await shot("rollback");
  });

  it("downloads a source's artifact through the UI, with its digest", async () => {
    const res = await fetch(`${session.ui!.url}/api/artifact/GitRepository/flux-system/demo`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toContain("gitrepository-flux-system-demo.tar.gz");
    const body = Buffer.from(await res.arrayBuffer());
    expect([body[0], body[1]]).toEqual([0x1f, 0x8b]);
    const { createHash } = await import("node:crypto");
    expect(res.headers.get("x-artifact-digest")).toBe(`sha256:${createHash("sha256").update(body).digest("hex")}`);
  });

  it("shows a HelmRelease's Helm release history and values, the Secret-sourced value masked", async () => {
    let base = "";
    const repo = await createHelmChartRepo(join(work, "charts"), () => base);
    charts = await startHelmRepoServer(repo.dir);
    base = charts.baseUrl;
    await repo.addChart("hello-chart", "0.1.0");
    const apply = (o: Record<string, unknown>) =>
      session.client.apply(o as never, { fieldManager: "ui-e2e", force: true });
    await apply({
      apiVersion: "source.toolkit.fluxcd.io/v1",
      kind: "HelmRepository",
      metadata: { name: "charts", namespace: "flux-system" },
      spec: { url: charts.baseUrl, interval: "1m" },
    });
    await apply({
      apiVersion: "helm.toolkit.fluxcd.io/v2",
      kind: "HelmRelease",
      metadata: { name: "hello-chart", namespace: "flux-system" },
      spec: {
        interval: "5m",
        chart: {
          spec: { chart: "hello-chart", version: "0.1.x", sourceRef: { kind: "HelmRepository", name: "charts" } },
        },
        values: { replicaCount: 1 },
        valuesFrom: [{ kind: "Secret", name: "hello-credentials", valuesKey: "password", targetPath: "auth.password" }],
      },
    });
    await page.goto(`${session.ui!.url}/#/object/HelmRelease/flux-system/hello-chart`);
    await page.locator("h1 .badge", { hasText: "Ready" }).waitFor({ timeout: 180_000 });
    const v1 = page.locator('[data-testid="helm-history"] tr[data-version="1"]');
    await v1.waitFor({ timeout: 60_000 });
    expect(await v1.textContent()).toContain("deployed");
    expect(await v1.textContent()).toContain("hello-chart@0.1.0");
    await v1.locator("summary").click();
    const values = (await v1.locator("pre").textContent()) ?? "";
    expect(values).toContain("replicaCount: 1");
    expect(values).toMatch(/password: "?\*{5}"?/);
    await page.getByTestId("diff").click();
    await page.locator('[data-testid="diff-summary"][data-run="1"]').waitFor({ timeout: 120_000 });
    expect(await page.locator('[data-testid="diff-summary"]').getAttribute("class")).not.toBe("error");
    expect(await page.locator('[data-testid="diff-summary"]').textContent()).toContain("hello-chart@0.1.0");
    await shot("helm-release");
  });

  it("tails the controllers' log lines about an object live, filtered by level", async () => {
    await page.goto(`${session.ui!.url}/#/object/Kustomization/flux-system/demo-staging`);
    const lines = page.locator('[data-testid="log-lines"] span');
    await lines.first().waitFor({ timeout: 60_000 });
    // sluice up's controllers are Pods whose log the API server serves: the viewer reads pods/log.
    expect(await page.locator(".log-controls").textContent()).toContain("live, from the controllers' Pods");
    const before = await lines.count();
    expect(await lines.first().textContent()).toContain("kustomize-controller");
    // A reconcile writes new lines about the object: they arrive without reload.
    await page.locator('button[data-action="reconcile"]').click();
    await eventually("a new log line without reload", async () => (await lines.count()) > before, 60_000);
    await shot("logs");
    await page.locator('select[name="log-level"]').selectOption("error");
    for (const level of await lines.evaluateAll((els) => els.map((e) => e.getAttribute("data-level")))) {
      expect(level).toBe("error");
    }
    await page.locator('select[name="log-level"]').selectOption("all");
  });

  it("logs in with OIDC and acts as the ID token's user and groups, RBAC deciding", async () => {
    idp = await startOidcProvider({
      clientId: "sluice-ui",
      clientSecret: "ui-e2e-oidc-client-secret",
      redirectUris: [],
      accounts: { alice: { email: "alice@example.com", email_verified: true, groups: ["flux-operators"] } },
    });
    oidcUi = await startUiServer({
      kubeConfig: session.kubeConfig,
      port: 0,
      oidc: { issuer: idp.issuer, clientId: "sluice-ui", clientSecret: "ui-e2e-oidc-client-secret", allowHttp: true },
    });
    idp.setRedirectUris([`${oidcUi.url}/api/oidc/callback`]);
    await session.client.apply(
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRoleBinding",
        metadata: { name: "ui-e2e-flux-operators" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
        subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "flux-operators" }],
      } as never,
      { fieldManager: "ui-e2e", force: true },
    );
    // A browser of its own: cookies are per host, not per port.
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const p = await context.newPage();
    record(p);
    await p.goto(`${oidcUi.url}/#/object/Kustomization/flux-system/demo-staging`);
    await p.getByTestId("oidc-login").click();
    await p.locator("header .session", { hasText: "alice@example.com" }).waitFor({ timeout: 60_000 });
    await p.goto(`${oidcUi.url}/#/object/Kustomization/flux-system/demo-staging`);
    await p.locator('button[data-action="reconcile"]').click();
    await expect(p.locator(".actions [role=status]").textContent()).resolves.toContain("requested");
    await p.screenshot({ path: join(SHOTS, "oidc-login.png"), fullPage: true });
    await context.close();
  });

  it("never sends a Secret's value to the browser", async () => {
    const events = await fetch(`${session.ui!.url}/api/objects?limit=500`);
    bodies.push(await events.text());
    expect(bodies.length).toBeGreaterThan(5);
    for (const body of bodies) expect(body).not.toContain(SECRET_VALUE);
    expect(bodies.join("\n")).not.toContain(Buffer.from(SECRET_VALUE).toString("base64"));
  });
});
