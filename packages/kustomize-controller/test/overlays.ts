// The Git content of the integration tests: a kustomize base (Deployment, Service, ConfigMap, HPA) with
// staging and production overlays.

/** Files of the base and both overlays, for `FixtureRepo.commit`. */
export function overlayRepo(productionReplicas = 3): Record<string, string> {
  return {
    "apps/base/kustomization.yaml": `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - deployment.yaml
  - service.yaml
  - configmap.yaml
  - hpa.yaml
`,
    "apps/base/deployment.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: nginx:1.25
          ports:
            - containerPort: 80
`,
    "apps/base/service.yaml": `apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
    - port: 80
      targetPort: 80
`,
    "apps/base/configmap.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config
data:
  LOG_LEVEL: info
`,
    "apps/base/hpa.yaml": `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: web
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: web
  minReplicas: 1
  maxReplicas: 5
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: 80
`,
    "apps/staging/kustomization.yaml": `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: staging
resources:
  - ../base
patches:
  - target:
      kind: ConfigMap
      name: web-config
    patch: |
      - op: replace
        path: /data/LOG_LEVEL
        value: debug
`,
    "apps/production/kustomization.yaml": `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../base
images:
  - name: nginx
    newTag: "1.27"
patches:
  - target:
      kind: Deployment
      name: web
    patch: |
      - op: replace
        path: /spec/replicas
        value: ${productionReplicas}
  - target:
      kind: ConfigMap
      name: web-config
    patch: |
      - op: replace
        path: /data/LOG_LEVEL
        value: warn
`,
  };
}
