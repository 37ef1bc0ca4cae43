// One object per kind, written as a Flux user writes them (from Flux's documentation), to prove our CRDs
// accept existing Flux YAML unchanged.
export const FLUX_EXAMPLES: Record<string, Record<string, unknown>> = {
  GitRepository: {
    apiVersion: "source.toolkit.fluxcd.io/v1",
    kind: "GitRepository",
    metadata: { name: "podinfo", namespace: "default" },
    spec: { interval: "5m0s", url: "https://github.com/stefanprodan/podinfo", ref: { branch: "master" } },
  },
  HelmRepository: {
    apiVersion: "source.toolkit.fluxcd.io/v1",
    kind: "HelmRepository",
    metadata: { name: "podinfo", namespace: "default" },
    spec: { interval: "5m0s", url: "https://stefanprodan.github.io/podinfo" },
  },
  HelmChart: {
    apiVersion: "source.toolkit.fluxcd.io/v1",
    kind: "HelmChart",
    metadata: { name: "podinfo", namespace: "default" },
    spec: {
      interval: "5m0s",
      chart: "podinfo",
      reconcileStrategy: "ChartVersion",
      sourceRef: { kind: "HelmRepository", name: "podinfo" },
      version: "5.*",
    },
  },
  OCIRepository: {
    apiVersion: "source.toolkit.fluxcd.io/v1",
    kind: "OCIRepository",
    metadata: { name: "podinfo", namespace: "default" },
    spec: { interval: "5m0s", url: "oci://ghcr.io/stefanprodan/manifests/podinfo", ref: { tag: "latest" } },
  },
  Bucket: {
    apiVersion: "source.toolkit.fluxcd.io/v1",
    kind: "Bucket",
    metadata: { name: "minio-bucket", namespace: "default" },
    spec: {
      interval: "5m0s",
      endpoint: "minio.example.com",
      insecure: true,
      secretRef: { name: "minio-bucket-secret" },
      bucketName: "example",
    },
  },
  Kustomization: {
    apiVersion: "kustomize.toolkit.fluxcd.io/v1",
    kind: "Kustomization",
    metadata: { name: "podinfo", namespace: "default" },
    spec: {
      interval: "10m",
      targetNamespace: "default",
      sourceRef: { kind: "GitRepository", name: "podinfo" },
      path: "./kustomize",
      prune: true,
      timeout: "1m",
    },
  },
  HelmRelease: {
    apiVersion: "helm.toolkit.fluxcd.io/v2",
    kind: "HelmRelease",
    metadata: { name: "podinfo", namespace: "default" },
    spec: {
      interval: "5m",
      chart: {
        spec: {
          chart: "podinfo",
          version: "6.5.*",
          sourceRef: { kind: "HelmRepository", name: "podinfo" },
          interval: "1m",
        },
      },
      values: { replicaCount: 2 },
    },
  },
  Provider: {
    apiVersion: "notification.toolkit.fluxcd.io/v1beta3",
    kind: "Provider",
    metadata: { name: "slack-bot", namespace: "default" },
    spec: {
      type: "slack",
      channel: "general",
      address: "https://slack.com/api/chat.postMessage",
      secretRef: { name: "slack-bot-token" },
    },
  },
  Alert: {
    apiVersion: "notification.toolkit.fluxcd.io/v1beta3",
    kind: "Alert",
    metadata: { name: "on-call-webapp", namespace: "default" },
    spec: {
      summary: "Production cluster",
      providerRef: { name: "slack-bot" },
      eventSeverity: "info",
      eventSources: [
        { kind: "GitRepository", name: "*" },
        { kind: "Kustomization", name: "*" },
      ],
    },
  },
  Receiver: {
    apiVersion: "notification.toolkit.fluxcd.io/v1",
    kind: "Receiver",
    metadata: { name: "github-receiver", namespace: "default" },
    spec: {
      type: "github",
      events: ["ping", "push"],
      secretRef: { name: "receiver-token" },
      resources: [{ apiVersion: "source.toolkit.fluxcd.io/v1", kind: "GitRepository", name: "podinfo" }],
    },
  },
  ImageRepository: {
    apiVersion: "image.toolkit.fluxcd.io/v1",
    kind: "ImageRepository",
    metadata: { name: "podinfo", namespace: "default" },
    spec: { image: "stefanprodan/podinfo", interval: "1h", provider: "generic" },
  },
  ImagePolicy: {
    apiVersion: "image.toolkit.fluxcd.io/v1",
    kind: "ImagePolicy",
    metadata: { name: "podinfo", namespace: "default" },
    spec: { imageRepositoryRef: { name: "podinfo" }, policy: { semver: { range: "5.1.x" } } },
  },
  ImageUpdateAutomation: {
    apiVersion: "image.toolkit.fluxcd.io/v1",
    kind: "ImageUpdateAutomation",
    metadata: { name: "flux-system", namespace: "default" },
    spec: {
      interval: "30m",
      sourceRef: { kind: "GitRepository", name: "flux-system" },
      git: {
        checkout: { ref: { branch: "main" } },
        commit: {
          author: { email: "fluxcdbot@users.noreply.github.com", name: "fluxcdbot" },
          messageTemplate: "{{range .Changed.Changes}}{{print .OldValue}} -> {{println .NewValue}}{{end}}",
        },
        push: { branch: "main" },
      },
      update: { path: "./clusters/my-cluster", strategy: "Setters" },
    },
  },
  ExternalArtifact: {
    apiVersion: "source.toolkit.fluxcd.io/v1",
    kind: "ExternalArtifact",
    metadata: { name: "my-artifact", namespace: "default" },
    spec: {
      sourceRef: {
        apiVersion: "source.extensions.fluxcd.io/v1beta1",
        kind: "ArtifactGenerator",
        name: "my-generator",
        namespace: "flux-system",
      },
    },
  },
  ArtifactGenerator: {
    apiVersion: "source.extensions.fluxcd.io/v1beta1",
    kind: "ArtifactGenerator",
    metadata: { name: "my-app", namespace: "default" },
    spec: {
      sources: [
        { alias: "chart", kind: "OCIRepository", name: "podinfo-chart", namespace: "default" },
        { alias: "repo", kind: "GitRepository", name: "podinfo-values", namespace: "default" },
      ],
      artifacts: [
        {
          name: "podinfo-composite",
          originRevision: "@chart",
          copy: [
            { from: "@chart/", to: "@artifact/" },
            { from: "@repo/charts/podinfo/values-prod.yaml", to: "@artifact/podinfo/values.yaml", strategy: "Merge" },
          ],
        },
      ],
    },
  },
};
