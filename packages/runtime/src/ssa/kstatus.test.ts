import { describe, expect, it } from "vitest";
import { computeStatus } from "./kstatus.js";

const deploy = (spec: Record<string, unknown>, status: Record<string, unknown>, generation = 2) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", namespace: "apps", generation },
  spec,
  status: { observedGeneration: generation, ...status },
});

const availableConditions = [
  { type: "Progressing", status: "True", reason: "NewReplicaSetAvailable" },
  { type: "Available", status: "True", reason: "MinimumReplicasAvailable" },
];

describe("computeStatus", () => {
  it.each([
    [
      "an available Deployment",
      deploy(
        { replicas: 2, progressDeadlineSeconds: 600 },
        { replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2, conditions: availableConditions },
      ),
      "Current",
      "Deployment is available. Replicas: 2",
    ],
    [
      "a Deployment rolling out",
      deploy({ replicas: 3 }, { replicas: 3, updatedReplicas: 1, readyReplicas: 3, availableReplicas: 3 }),
      "InProgress",
      "Updated: 1/3",
    ],
    [
      "a Deployment not available yet",
      deploy({ replicas: 1 }, { replicas: 1, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 0 }),
      "InProgress",
      "Available: 0/1",
    ],
    [
      "a Deployment past its progress deadline",
      deploy(
        { replicas: 1, progressDeadlineSeconds: 600 },
        { replicas: 1, conditions: [{ type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded" }] },
      ),
      "Failed",
      "Progress deadline exceeded",
    ],
    [
      "a Deployment whose controller has not seen the latest generation",
      { ...deploy({ replicas: 1 }, {}), status: { observedGeneration: 1 } },
      "InProgress",
      "Deployment generation is 2, but latest observed generation is 1",
    ],
    [
      "an object being deleted",
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", deletionTimestamp: "2025-01-01T00:00:00Z" } },
      "Terminating",
      "Resource scheduled for deletion",
    ],
    [
      "a completed Job",
      {
        apiVersion: "batch/v1",
        kind: "Job",
        metadata: { name: "j" },
        spec: { completions: 1 },
        status: { succeeded: 1, startTime: "t", conditions: [{ type: "Complete", status: "True" }] },
      },
      "Current",
      "Job Completed. succeeded: 1/1",
    ],
    [
      "a failed Job",
      {
        apiVersion: "batch/v1",
        kind: "Job",
        metadata: { name: "j" },
        status: { failed: 6, startTime: "t", conditions: [{ type: "Failed", status: "True" }] },
      },
      "Failed",
      "Job Failed. failed: 6/1",
    ],
    [
      "a Job not started",
      { apiVersion: "batch/v1", kind: "Job", metadata: { name: "j" } },
      "InProgress",
      "Job not started",
    ],
    [
      "an established CRD",
      {
        apiVersion: "apiextensions.k8s.io/v1",
        kind: "CustomResourceDefinition",
        metadata: { name: "w.example.com" },
        status: {
          conditions: [
            { type: "NamesAccepted", status: "True" },
            { type: "Established", status: "True" },
          ],
        },
      },
      "Current",
      "CRD is established",
    ],
    [
      "a CRD still installing",
      {
        apiVersion: "apiextensions.k8s.io/v1",
        kind: "CustomResourceDefinition",
        metadata: { name: "w.example.com" },
        status: { conditions: [{ type: "Established", status: "False", reason: "Installing" }] },
      },
      "InProgress",
      "Install in progress",
    ],
    [
      "a CRD with conflicting names",
      {
        apiVersion: "apiextensions.k8s.io/v1",
        kind: "CustomResourceDefinition",
        metadata: { name: "w.example.com" },
        status: { conditions: [{ type: "NamesAccepted", status: "False", message: "plural in use" }] },
      },
      "Failed",
      "plural in use",
    ],
    [
      "a Flux object reconciling",
      {
        apiVersion: "kustomize.toolkit.fluxcd.io/v1",
        kind: "Kustomization",
        metadata: { name: "k", generation: 1 },
        status: { observedGeneration: 1, conditions: [{ type: "Reconciling", status: "True", message: "building" }] },
      },
      "InProgress",
      "building",
    ],
    [
      "a stalled Flux object",
      {
        apiVersion: "kustomize.toolkit.fluxcd.io/v1",
        kind: "Kustomization",
        metadata: { name: "k" },
        status: { conditions: [{ type: "Stalled", status: "True", message: "invalid path" }] },
      },
      "Failed",
      "invalid path",
    ],
    [
      "a custom resource with Ready=False",
      {
        apiVersion: "example.com/v1",
        kind: "Widget",
        metadata: { name: "w" },
        status: { conditions: [{ type: "Ready", status: "False", reason: "Waiting", message: "waiting for db" }] },
      },
      "InProgress",
      "waiting for db",
    ],
    [
      "a custom resource with Ready=True",
      {
        apiVersion: "example.com/v1",
        kind: "Widget",
        metadata: { name: "w" },
        status: { conditions: [{ type: "Ready", status: "True" }] },
      },
      "Current",
      "Resource is Ready",
    ],
    [
      "an object without status",
      { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" } },
      "Current",
      "Resource is current",
    ],
    [
      "a ConfigMap",
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" } },
      "Current",
      "Resource is always ready",
    ],
    [
      "a terminating Namespace phase",
      { apiVersion: "v1", kind: "Namespace", metadata: { name: "n" }, status: { phase: "Terminating" } },
      "InProgress",
      "Namespace phase: Terminating",
    ],
    [
      "a Namespace without status",
      { apiVersion: "v1", kind: "Namespace", metadata: { name: "n" } },
      "Current",
      "Namespace is active",
    ],
    [
      "a StatefulSet waiting for its update revision",
      {
        apiVersion: "apps/v1",
        kind: "StatefulSet",
        metadata: { name: "s" },
        spec: { replicas: 1 },
        status: { replicas: 1, readyReplicas: 1, currentReplicas: 1, currentRevision: "a", updateRevision: "b" },
      },
      "InProgress",
      "Waiting for updated revision to match current",
    ],
    [
      "a DaemonSet fully rolled out",
      {
        apiVersion: "apps/v1",
        kind: "DaemonSet",
        metadata: { name: "d", generation: 1 },
        status: {
          observedGeneration: 1,
          desiredNumberScheduled: 2,
          currentNumberScheduled: 2,
          updatedNumberScheduled: 2,
          numberAvailable: 2,
          numberReady: 2,
        },
      },
      "Current",
      "All replicas scheduled as expected. Replicas: 2",
    ],
    [
      "a crash-looping Pod",
      {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "p" },
        status: {
          phase: "Running",
          containerStatuses: [{ name: "app", state: { waiting: { reason: "CrashLoopBackOff" } } }],
        },
      },
      "Failed",
      "Containers in CrashLoop state: app",
    ],
    [
      "an unbound PVC",
      { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "p" }, status: { phase: "Pending" } },
      "InProgress",
      "PVC is not Bound. phase: Pending",
    ],
    [
      "a LoadBalancer Service without IP",
      { apiVersion: "v1", kind: "Service", metadata: { name: "s" }, spec: { type: "LoadBalancer" } },
      "InProgress",
      "ClusterIP not set. Service type: LoadBalancer",
    ],
  ])("%s", (_name, obj, status, message) => {
    expect(computeStatus(obj)).toEqual({ status, message });
  });
});
