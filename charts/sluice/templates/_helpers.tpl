{{/*
Shared pieces of the chart. A controller is one values block plus one template calling "sluice.controller"
with its name, its own flags, ports and volumes, and its RBAC rules (see source-controller.yaml).
*/}}

{{/* Labels of every object of the installation (`sluice check` and `sluice uninstall` select on part-of). */}}
{{- define "sluice.labels" -}}
app.kubernetes.io/instance: {{ .Release.Namespace | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service | quote }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: sluice
helm.sh/chart: {{ printf "%s-%s" .Chart.Name (.Chart.Version | replace "+" "_") | quote }}
{{- end -}}

{{/* RBAC object metadata: labels plus rbac.annotations. Argument: the root context. */}}
{{- define "sluice.rbacMetadata" -}}
{{- with .Values.rbac.annotations }}
annotations: {{- toYaml . | nindent 2 }}
{{- end }}
labels: {{- include "sluice.labels" . | nindent 2 }}
{{- end -}}

{{/* The image reference of a controller: dict "root" $ "values" <controller values>. */}}
{{- define "sluice.image" -}}
{{- $image := merge (deepCopy (.values.image | default dict)) .root.Values.image -}}
{{- $repo := printf "%s/%s" (trimSuffix "/" $image.registry) $image.repository | trimPrefix "/" -}}
{{- if $image.digest -}}
{{- printf "%s@%s" $repo $image.digest -}}
{{- else -}}
{{- printf "%s:%s" $repo ($image.tag | default (printf "v%s" .root.Chart.AppVersion)) -}}
{{- end -}}
{{- end -}}

{{/* The in-cluster address of a Service in the release namespace, as the controllers' flags want it. */}}
{{- define "sluice.serviceHost" -}}
{{- printf "%s.$(RUNTIME_NAMESPACE).svc.%s." .name (.root.Values.clusterDomain | default "cluster.local") -}}
{{- end -}}

{{/*
Everything one controller needs: ServiceAccount, its ClusterRole and binding (least privilege: the rules
given), the binding to the shared leader-election Role, and the Deployment.
  root          the root context ($)
  name          the controller, e.g. source-controller (Deployment, ServiceAccount, `app` label)
  values        its values block
  args          its own flags (after the common ones)
  ports         container ports besides http-prom (8080) and healthz (9440)
  volumes       extra volumes (a `temp` emptyDir on /tmp is always there) and volumeMounts
  rules         its ClusterRole rules (YAML)
  strategy      optional Deployment strategy
*/}}
{{- define "sluice.controller" -}}
{{- $root := .root -}}
{{- $v := .values -}}
{{- if $v.serviceAccount.create }}
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ .name }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "sluice.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ .name }}
  {{- with $v.serviceAccount.annotations }}
  annotations: {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}
{{- if $root.Values.rbac.create }}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: {{ printf "crd-controller-%s-%s" .name $root.Release.Namespace }}
  {{- include "sluice.rbacMetadata" $root | trim | nindent 2 }}
rules:
  {{- .rules | nindent 2 }}
  - apiGroups: [""]
    resources: [events]
    verbs: [create, patch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: {{ printf "crd-controller-%s-%s" .name $root.Release.Namespace }}
  {{- include "sluice.rbacMetadata" $root | trim | nindent 2 }}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: {{ printf "crd-controller-%s-%s" .name $root.Release.Namespace }}
subjects:
  - kind: ServiceAccount
    name: {{ .name }}
    namespace: {{ $root.Release.Namespace }}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: {{ printf "%s-leader-election" .name }}
  namespace: {{ $root.Release.Namespace }}
  {{- include "sluice.rbacMetadata" $root | trim | nindent 2 }}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: leader-election
subjects:
  - kind: ServiceAccount
    name: {{ .name }}
    namespace: {{ $root.Release.Namespace }}
{{- end }}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .name }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "sluice.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ .name }}
    control-plane: controller
    {{- with $v.labels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  replicas: {{ $v.replicas }}
  selector:
    matchLabels:
      app: {{ .name }}
  {{- with .strategy }}
  strategy: {{- toYaml . | nindent 4 }}
  {{- end }}
  template:
    metadata:
      {{- with $v.annotations }}
      annotations: {{- toYaml . | nindent 8 }}
      {{- end }}
      labels:
        app: {{ .name }}
        app.kubernetes.io/component: {{ .name }}
        app.kubernetes.io/part-of: sluice
        {{- with $v.labels }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      automountServiceAccountToken: {{ $v.serviceAccount.automount }}
      serviceAccountName: {{ .name }}
      {{- with $v.priorityClassName }}
      priorityClassName: {{ . | quote }}
      {{- end }}
      securityContext:
        {{- toYaml ($v.podSecurityContext | default (dict "fsGroup" 1337)) | nindent 8 }}
      {{- with $root.Values.imagePullSecrets }}
      imagePullSecrets: {{- toYaml . | nindent 8 }}
      {{- end }}
      terminationGracePeriodSeconds: 10
      containers:
        - name: manager
          image: {{ include "sluice.image" (dict "root" $root "values" $v) | quote }}
          imagePullPolicy: {{ (merge (deepCopy ($v.image | default dict)) $root.Values.image).pullPolicy }}
          args:
            - {{ .name }}
            {{- if and $root.Values.notificationController.create (ne .name "notification-controller") }}
            - --events-addr=http://{{ include "sluice.serviceHost" (dict "root" $root "name" "notification-controller") }}/
            {{- end }}
            - --watch-all-namespaces={{ $root.Values.watchAllNamespaces }}
            - --log-level={{ $root.Values.logLevel | default "info" }}
            - --log-encoding=json
            - --enable-leader-election
            - --concurrent={{ $v.concurrent }}
            - --kube-api-qps={{ $v.kubeApiQps }}
            - --kube-api-burst={{ $v.kubeApiBurst }}
            {{- range .args }}
            - {{ . }}
            {{- end }}
            {{- range $v.container.additionalArgs }}
            - {{ . }}
            {{- end }}
          env:
            - name: RUNTIME_NAMESPACE
              valueFrom:
                fieldRef:
                  fieldPath: metadata.namespace
            {{- with $v.extraEnv }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          ports:
            {{- with .ports }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
            - containerPort: 8080
              name: http-prom
              protocol: TCP
            - containerPort: 9440
              name: healthz
              protocol: TCP
          livenessProbe:
            httpGet:
              path: /healthz
              port: healthz
          readinessProbe:
            httpGet:
              path: /readyz
              port: healthz
          {{- with $v.resources }}
          resources: {{- toYaml . | nindent 12 }}
          {{- end }}
          securityContext:
            {{- if $v.securityContext }}
            {{- toYaml $v.securityContext | nindent 12 }}
            {{- else }}
            allowPrivilegeEscalation: false
            capabilities:
              drop: [ALL]
            readOnlyRootFilesystem: true
            runAsNonRoot: true
            seccompProfile:
              type: RuntimeDefault
            {{- end }}
          volumeMounts:
            - name: temp
              mountPath: /tmp
            {{- with .volumeMounts }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
            {{- with $v.volumeMounts }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
      volumes:
        - name: temp
          emptyDir: {}
        {{- with .volumes }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
        {{- with $v.volumes }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      {{- with $v.nodeSelector }}
      nodeSelector: {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $v.affinity }}
      affinity: {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $v.tolerations }}
      tolerations: {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end -}}
