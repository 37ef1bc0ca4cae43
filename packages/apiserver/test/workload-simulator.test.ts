import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestCluster, type TestCluster } from "./helpers/cluster.js";

const MANIFESTS = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 2
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: db, image: postgres}]}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec: {containers: [{name: agent, image: busybox}]}
---
apiVersion: batch/v1
kind: Job
metadata: {name: once}
spec:
  template:
    spec: {restartPolicy: Never, containers: [{name: once, image: busybox}]}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
---
apiVersion: v1
kind: Pod
metadata: {name: server}
spec: {containers: [{name: s, image: nginx}]}
---
apiVersion: v1
kind: Pod
metadata: {name: task}
spec: {restartPolicy: Never, containers: [{name: t, image: busybox}]}
---
apiVersion: v1
kind: Service
metadata: {name: lb}
spec:
  type: LoadBalancer
  selector: {app: web}
  ports: [{port: 80}]
`;

describe("workload status simulator", () => {
  let c: TestCluster;
  beforeAll(async () => {
    c = await startTestCluster({ simulateWorkloads: true, workloadDelayMs: 100 });
    await c.kubectlOk(["apply", "-f", c.writeFile("workloads.yaml", MANIFESTS)]);
  });
  afterAll(async () => {
    await c.stop();
  });

  it.each([
    ["--for=condition=Available", "deploy/web"],
    ["--for=jsonpath={.status.readyReplicas}=2", "sts/db"],
    ["--for=jsonpath={.status.numberReady}=1", "ds/agent"],
    ["--for=condition=Complete", "job/once"],
    ["--for=jsonpath={.status.phase}=Bound", "pvc/data"],
    ["--for=condition=Ready", "pod/server"],
    ["--for=jsonpath={.status.phase}=Succeeded", "pod/task"],
    ["--for=jsonpath={.status.loadBalancer.ingress[0].ip}=127.0.0.1", "svc/lb"],
  ])("kubectl wait %s %s", async (condition, target) => {
    expect(await c.kubectlOk(["wait", condition, target, "--timeout=15s"])).toContain("condition met");
  });

  it("reports rollouts as complete and tracks spec changes by generation", async () => {
    expect(await c.kubectlOk(["rollout", "status", "deploy/web", "--timeout=15s"])).toContain(
      'deployment "web" successfully rolled out',
    );
    expect(await c.kubectlOk(["rollout", "status", "sts/db", "--timeout=15s"])).toContain("roll out complete");
    await c.kubectlOk(["scale", "deploy/web", "--replicas=5"]);
    await c.kubectlOk(["wait", "--for=jsonpath={.status.availableReplicas}=5", "deploy/web", "--timeout=15s"]);
    const d = JSON.parse(await c.kubectlOk(["get", "deploy/web", "-o", "json"]));
    expect(d.status.observedGeneration).toBe(d.metadata.generation);
    expect(d.metadata.generation).toBe(2);
    const svc = JSON.parse(await c.kubectlOk(["get", "svc/lb", "-o", "json"]));
    expect(svc.spec.ports[0].nodePort).toBeGreaterThanOrEqual(30000);
  });
});
