// The demo application `sluice up --demo` serves from a local Git repository: a small web app as a
// kustomize base plus staging and production overlays, committed to a bare repository on branch main.

import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Name of the demo repository below the Git server's root. */
export const DEMO_REPO_NAME = "demo.git";
/** Branch the demo commits to and the GitRepository follows. */
export const DEMO_BRANCH = "main";
/** The overlays (one Kustomization each), with the namespace and replica count they deploy. */
export const DEMO_OVERLAYS = [
  { name: "staging", namespace: "demo-staging", replicas: 1 },
  { name: "production", namespace: "demo-production", replicas: 2 },
] as const;

/** Environment for git commands: the user's configuration (hooks, signing, editors) stays out. */
export const DEMO_GIT_ENV: NodeJS.ProcessEnv = {
  PATH: process.env["PATH"] ?? "/usr/bin:/bin",
  HOME: tmpdir(),
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_AUTHOR_NAME: "Sluice Demo",
  GIT_AUTHOR_EMAIL: "demo@sluice.invalid",
  GIT_COMMITTER_NAME: "Sluice Demo",
  GIT_COMMITTER_EMAIL: "demo@sluice.invalid",
  GIT_TERMINAL_PROMPT: "0",
};

async function git(cwd: string, args: string[]): Promise<string> {
  const { stdout } = await run("git", args, { cwd, env: DEMO_GIT_ENV });
  return stdout.trim();
}

const BASE: Record<string, string> = {
  "README.md": `# Sluice demo

A small web app deployed by Sluice: \`base/\` holds the app, \`overlays/staging\` and
\`overlays/production\` deploy it into their own namespaces. Each overlay is reconciled by one
Kustomization; change a file, commit and push, and Sluice applies it.
`,
  "base/kustomization.yaml": `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - deployment.yaml
  - service.yaml
labels:
  - pairs:
      app.kubernetes.io/name: hello
    includeSelectors: false
`,
  "base/deployment.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: hello
spec:
  replicas: 1
  selector:
    matchLabels:
      app: hello
  template:
    metadata:
      labels:
        app: hello
    spec:
      containers:
        - name: hello
          image: ghcr.io/stefanprodan/podinfo:6.7.1
          ports:
            - name: http
              containerPort: 9898
          envFrom:
            - configMapRef:
                name: hello-config
`,
  "base/service.yaml": `apiVersion: v1
kind: Service
metadata:
  name: hello
spec:
  selector:
    app: hello
  ports:
    - name: http
      port: 80
      targetPort: http
`,
};

function overlayFiles(overlay: (typeof DEMO_OVERLAYS)[number]): Record<string, string> {
  const dir = `overlays/${overlay.name}`;
  return {
    [`${dir}/namespace.yaml`]: `apiVersion: v1
kind: Namespace
metadata:
  name: ${overlay.namespace}
`,
    [`${dir}/kustomization.yaml`]: `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: ${overlay.namespace}
resources:
  - namespace.yaml
  - ../../base
configMapGenerator:
  - name: hello-config
    literals:
      - PODINFO_UI_MESSAGE=Hello from ${overlay.name}
patches:
  - target:
      kind: Deployment
      name: hello
    patch: |
      - op: replace
        path: /spec/replicas
        value: ${overlay.replicas}
`,
  };
}

/** The demo repository's files (path → content). */
export function demoFiles(): Record<string, string> {
  const files: Record<string, string> = { ...BASE };
  for (const overlay of DEMO_OVERLAYS) Object.assign(files, overlayFiles(overlay));
  return files;
}

/**
 * Creates `<root>/demo.git` (bare, branch main) holding {@link demoFiles} in one commit, unless it already
 * exists (a resumed `sluice up --data-dir`). Returns the bare repository's path.
 */
export async function ensureDemoRepo(root: string): Promise<string> {
  const bare = join(root, DEMO_REPO_NAME);
  if (existsSync(join(bare, "HEAD"))) return bare;
  await mkdir(bare, { recursive: true });
  await git(bare, ["init", "-q", "--bare", `--initial-branch=${DEMO_BRANCH}`]);
  const work = await mkdtemp(join(tmpdir(), "sluice-demo-work-"));
  try {
    await git(work, ["init", "-q", `--initial-branch=${DEMO_BRANCH}`]);
    for (const [path, content] of Object.entries(demoFiles())) {
      await mkdir(dirname(join(work, path)), { recursive: true });
      await writeFile(join(work, path), content);
    }
    await git(work, ["add", "-A"]);
    await git(work, ["commit", "-q", "-m", "Add the hello app with staging and production overlays"]);
    await git(work, ["push", "-q", bare, `${DEMO_BRANCH}:${DEMO_BRANCH}`]);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return bare;
}
