// The image-automation-controller against testkit's Git server (basic auth from the GitRepository's
// Secret) and the embedded API server: marked fields updated byte for byte with a templated commit by the
// configured author, markers of unknown policies and unparseable files left alone (and reported), nothing
// committed when nothing changed, a push rejected because the branch moved retried on its new head, a push
// branch created from the checkout branch, and credentials never in git's argv or in events.

import { execFileSync } from "node:child_process";
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { git } from "@sluice/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type AutomationEnv,
  conditionOf,
  createAutomation,
  gitAuth,
  requestReconcile,
  setPolicy,
  startAutomationEnv,
  waitForAutomation,
} from "./support/env.js";

const deploy = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: podinfo # keep me
  namespace: apps
spec:
  template:
    spec:
      containers:
        - name: podinfo
          image: ghcr.io/org/podinfo:6.0.0 # {"$imagepolicy": "flux-system:podinfo"}
        - name: other
          image: "ghcr.io/org/other:1.0"   # {"$imagepolicy": "flux-system:unknown"}
`;
const kustomization = `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
images:
  - name: podinfo
    newTag: 6.0.0 # {"$imagepolicy": "flux-system:podinfo:tag"}
`;
const broken = `image: [ghcr.io/org/podinfo:6.0.0 # {"$imagepolicy": "flux-system:podinfo"}\n`;

describe("image-automation-controller", () => {
  let env: AutomationEnv;
  let work: string;
  const remoteFile = (ref: string, path: string) => git(env.repo.bare, ["show", `${ref}:${path}`]);

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "image-automation-"));
    env = await startAutomationEnv(work, {
      "apps/deploy.yaml": deploy,
      "apps/kustomization.yaml": kustomization,
      "apps/broken.yaml": broken,
      "README.md": "fleet\n",
    });
  }, 60_000);
  afterAll(async () => {
    await env?.stop();
    await rm(work, { recursive: true, force: true });
  });

  it("commits the new image to the marked fields only, with the template and author", async () => {
    await setPolicy(env, "podinfo", { name: "ghcr.io/org/podinfo", tag: "6.1.0" });
    await createAutomation(env, "auto", {
      git: {
        commit: {
          author: { name: "Flux Bot", email: "bot@example.com" },
          messageTemplate:
            "chore: update images in {{ .AutomationObject }}\n{{ range .Changed.Changes }}\n- {{ .OldValue }} -> {{ .NewValue }}{{ end }}\n{{ .Values.team }}",
          messageTemplateValues: { team: "platform" },
        },
        push: { branch: "main" },
      },
    });
    const auto = await waitForAutomation(env, "auto", (a) => Boolean(a.status?.lastPushCommit), "a push");
    const head = await git(env.repo.bare, ["rev-parse", "refs/heads/main"]);
    expect(auto.status?.lastPushCommit).toBe(head);
    expect(await remoteFile("main", "apps/deploy.yaml")).toBe(
      deploy.replace("podinfo:6.0.0 #", "podinfo:6.1.0 #").trimEnd(),
    );
    expect(await remoteFile("main", "apps/kustomization.yaml")).toBe(kustomization.replace("6.0.0", "6.1.0").trimEnd());
    expect(await remoteFile("main", "apps/broken.yaml")).toBe(broken.trimEnd());
    expect(await git(env.repo.bare, ["log", "-1", "--format=%an <%ae>%n%B", "main"])).toBe(
      "Flux Bot <bot@example.com>\nchore: update images in flux-system/auto\n\n- ghcr.io/org/podinfo:6.0.0 -> ghcr.io/org/podinfo:6.1.0\n- 6.0.0 -> 6.1.0\nplatform",
    );
    expect(auto.status?.observedPolicies).toEqual({ podinfo: { name: "ghcr.io/org/podinfo", tag: "6.1.0" } });
    expect(auto.status?.observedSourceRevision).toBe(`main@sha1:${head}`);
    expect(conditionOf(auto, "Ready")).toMatchObject({ status: "True", message: "repository up-to-date" });
    await expect
      .poll(() =>
        env.sink.events.find((e) => e.message.startsWith(`pushed commit '${head.slice(0, 7)}' to branch 'main'`)),
      )
      .toBeTruthy();
    await expect
      .poll(() => env.sink.events.find((e) => e.severity === "error" && e.message.includes("'broken.yaml'")))
      .toBeTruthy();
  });

  it("makes no commit when nothing changed", async () => {
    const before = await git(env.repo.bare, ["rev-parse", "refs/heads/main"]);
    const lastRun = (await waitForAutomation(env, "auto", () => true, "exists")).status?.lastAutomationRunTime;
    await new Promise((r) => setTimeout(r, 1100));
    await requestReconcile(env, "auto");
    await waitForAutomation(env, "auto", (a) => a.status?.lastAutomationRunTime !== lastRun, "another run");
    expect(await git(env.repo.bare, ["rev-parse", "refs/heads/main"])).toBe(before);
  });

  it("retries a push rejected because someone else pushed first, on top of their commit", async () => {
    // Someone else's commit waits on another branch; the server's hook moves main to it and refuses our
    // first push, as a concurrent push would.
    await env.repo.git(["checkout", "-q", "main"]);
    await env.repo.git(["fetch", "-q", "origin", "main"]);
    await env.repo.git(["reset", "-q", "--hard", "FETCH_HEAD"]);
    const theirs = await env.repo.commit({ "README.md": "fleet, edited by a human\n" }, "human edit");
    await env.repo.git(["push", "-q", "origin", "HEAD:refs/heads/human"]);
    const marker = join(work, "hook-fired");
    const hook = join(env.repo.bare, "hooks", "pre-receive");
    await writeFile(
      hook,
      `#!/bin/sh\nif [ ! -e '${marker}' ]; then touch '${marker}'; env -u GIT_QUARANTINE_PATH git update-ref refs/heads/main ${theirs}; echo 'rejected: fetch first' >&2; exit 1; fi\nexit 0\n`,
    );
    await chmod(hook, 0o755);
    await setPolicy(env, "podinfo", { name: "ghcr.io/org/podinfo", tag: "6.2.0" });
    const auto = await waitForAutomation(
      env,
      "auto",
      (a) => a.status?.observedPolicies?.["podinfo"]?.tag === "6.2.0" && Boolean(a.status.lastPushCommit),
      "the retried push",
    );
    const head = await git(env.repo.bare, ["rev-parse", "refs/heads/main"]);
    expect(auto.status?.lastPushCommit).toBe(head);
    expect(await git(env.repo.bare, ["rev-parse", `${head}^`])).toBe(theirs);
    expect(await remoteFile("main", "README.md")).toBe("fleet, edited by a human");
    expect(await remoteFile("main", "apps/deploy.yaml")).toContain("ghcr.io/org/podinfo:6.2.0 #");
    await rm(hook);
  });

  it("pushes to a new branch created from the checkout branch", async () => {
    // The first automation would take the new policy too: suspend it.
    await env.cluster.client.patch(
      {
        apiVersion: "image.toolkit.fluxcd.io/v1",
        kind: "ImageUpdateAutomation",
        namespace: env.namespace,
        name: "auto",
      },
      { spec: { suspend: true } },
      { type: "application/merge-patch+json" },
    );
    await createAutomation(env, "to-branch", {
      git: {
        checkout: { ref: { branch: "main" } },
        commit: { author: { email: "bot@example.com" } },
        push: { branch: "image-updates" },
      },
      policySelector: { matchLabels: { app: "web" } },
    });
    await setPolicy(env, "web", { name: "ghcr.io/org/web", tag: "2.0.0" }, { app: "web" });
    await env.repo.git(["pull", "-q", "origin", "main"]);
    await env.repo.commit(
      { "apps/web.yaml": 'image: ghcr.io/org/web:1.0.0 # {"$imagepolicy": "flux-system:web"}\n' },
      "web",
    );
    await env.repo.git(["push", "-q", "origin", "HEAD:refs/heads/main"]);
    await requestReconcile(env, "to-branch");
    const auto = await waitForAutomation(env, "to-branch", (a) => Boolean(a.status?.lastPushCommit), "a push");
    expect(await remoteFile("image-updates", "apps/web.yaml")).toBe(
      'image: ghcr.io/org/web:2.0.0 # {"$imagepolicy": "flux-system:web"}',
    );
    // The selector leaves podinfo out: its marker keeps the value main has.
    expect(await remoteFile("image-updates", "apps/deploy.yaml")).toBe(await remoteFile("main", "apps/deploy.yaml"));
    expect(auto.status?.lastPushCommit).toBe(await git(env.repo.bare, ["rev-parse", "refs/heads/image-updates"]));
  });

  it("signs its commits with the OpenPGP key of signingKey", async () => {
    const home = join(work, "gnupg");
    await mkdir(home, { mode: 0o700 });
    const gpg = (args: string[]) => execFileSync("gpg", ["--homedir", home, "--batch", ...args]).toString();
    gpg([
      "--passphrase",
      "sign-pass",
      "--pinentry-mode",
      "loopback",
      "--quick-gen-key",
      "Bot <bot@example.com>",
      "ed25519",
      "sign",
      "never",
    ]);
    const fingerprint = /^fpr:+([0-9A-F]+):/m.exec(gpg(["--with-colons", "--list-keys"]))?.[1] ?? "";
    const secret = gpg([
      "--pinentry-mode",
      "loopback",
      "--passphrase",
      "sign-pass",
      "--armor",
      "--export-secret-keys",
      fingerprint,
    ]);
    await env.cluster.client.create({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { namespace: env.namespace, name: "signing" },
      stringData: { "git.asc": secret, passphrase: "sign-pass" },
    } as never);
    await createAutomation(env, "signed", {
      git: {
        checkout: { ref: { branch: "main" } },
        commit: { author: { name: "Bot", email: "bot@example.com" }, signingKey: { secretRef: { name: "signing" } } },
        push: { branch: "signed" },
      },
      policySelector: { matchLabels: { app: "web" } },
    });
    const auto = await waitForAutomation(env, "signed", (a) => Boolean(a.status?.lastPushCommit), "a signed push");
    const raw = await git(env.repo.bare, ["cat-file", "commit", auto.status?.lastPushCommit ?? ""]);
    expect(raw).toContain("-----BEGIN PGP SIGNATURE-----");
    const verified = await git(env.repo.bare, ["verify-commit", "--raw", auto.status?.lastPushCommit ?? ""], {
      GNUPGHOME: home,
    }).then(
      () => "good",
      (err: { message?: string }) => `verify-commit failed: ${err.message ?? ""}`,
    );
    expect(verified).toBe("good");
    expect(JSON.stringify(env.sink.events)).not.toContain("sign-pass");
    expect(await env.gitCommandLines()).not.toContain("sign-pass");
    execFileSync("gpgconf", ["--homedir", home, "--kill", "all"]);
  });

  it("never passes credentials to git on the command line or in events", async () => {
    const argv = await env.gitCommandLines();
    expect(argv).toContain("push");
    const basic = Buffer.from(`${gitAuth.username}:${gitAuth.password}`).toString("base64");
    for (const secret of [gitAuth.password, basic]) {
      expect(argv).not.toContain(secret);
      expect(JSON.stringify(env.sink.events)).not.toContain(secret);
    }
  });
});
