import { describe, expect, it } from "vitest";
import { WorkQueue } from "../queue/work-queue.js";
import { exponentialBuckets, exponentialBucketsRange } from "./buckets.js";
import { MetricsRecorder } from "./metrics-recorder.js";

const repo = { kind: "GitRepository", namespace: "flux-system", name: "podinfo" };

function lines(text: string, metric: string): string[] {
  return text.split("\n").filter((l) => l.startsWith(`${metric}{`) || l.startsWith(`${metric} `));
}

describe("MetricsRecorder", () => {
  it("exports gotk_reconcile_condition with 1 for the current status and 0 for the others", async () => {
    const m = new MetricsRecorder({ processMetrics: false, legacyObjectMetrics: true });
    m.recordCondition(repo, { type: "Ready", status: "False" });
    m.recordCondition(repo, { type: "Ready", status: "True" });
    const text = await m.metrics();
    expect(lines(text, "gotk_reconcile_condition").sort()).toEqual([
      'gotk_reconcile_condition{kind="GitRepository",name="podinfo",namespace="flux-system",type="Ready",status="False"} 0',
      'gotk_reconcile_condition{kind="GitRepository",name="podinfo",namespace="flux-system",type="Ready",status="True"} 1',
      'gotk_reconcile_condition{kind="GitRepository",name="podinfo",namespace="flux-system",type="Ready",status="Unknown"} 0',
    ]);
  });

  it("exports suspend status and reconcile duration per object, and deletes them with the object", async () => {
    const m = new MetricsRecorder({ processMetrics: false, legacyObjectMetrics: true });
    const other = { ...repo, name: "other" };
    for (const ref of [repo, other]) {
      m.recordSuspend(ref, ref === repo);
      m.recordDuration(ref, 0.5);
      m.recordCondition(ref, { type: "Ready", status: "True" });
      m.recordCondition(ref, { type: "Stalled", status: "False" });
    }
    let text = await m.metrics();
    expect(lines(text, "gotk_suspend_status")).toContain(
      'gotk_suspend_status{kind="GitRepository",name="podinfo",namespace="flux-system"} 1',
    );
    expect(lines(text, "gotk_reconcile_duration_seconds_count")).toContain(
      'gotk_reconcile_duration_seconds_count{kind="GitRepository",name="podinfo",namespace="flux-system"} 1',
    );
    m.deleteObject(repo);
    text = await m.metrics();
    expect(text).not.toContain('name="podinfo"');
    expect(lines(text, "gotk_reconcile_condition")).toHaveLength(6);
    expect(lines(text, "gotk_suspend_status")).toEqual([
      'gotk_suspend_status{kind="GitRepository",name="other",namespace="flux-system"} 0',
    ]);
  });

  it("counts reconciles by result and errors per controller", async () => {
    const m = new MetricsRecorder({ processMetrics: false, legacyObjectMetrics: true });
    m.registerController("gitrepository", 4);
    m.recordReconcile("gitrepository", "success", 0.2);
    m.recordReconcile("gitrepository", "error", 0.1);
    m.recordReconcile("gitrepository", "error", 0.1);
    m.recordReconcile("gitrepository", "requeue_after", 0.1);
    const text = await m.metrics();
    expect(lines(text, "controller_runtime_reconcile_total").sort()).toEqual([
      'controller_runtime_reconcile_total{controller="gitrepository",result="error"} 2',
      'controller_runtime_reconcile_total{controller="gitrepository",result="requeue"} 0',
      'controller_runtime_reconcile_total{controller="gitrepository",result="requeue_after"} 1',
      'controller_runtime_reconcile_total{controller="gitrepository",result="success"} 1',
    ]);
    expect(lines(text, "controller_runtime_reconcile_errors_total")).toEqual([
      'controller_runtime_reconcile_errors_total{controller="gitrepository"} 2',
    ]);
    expect(lines(text, "controller_runtime_reconcile_time_seconds_count")).toEqual([
      'controller_runtime_reconcile_time_seconds_count{controller="gitrepository"} 4',
    ]);
    expect(lines(text, "controller_runtime_max_concurrent_reconciles")).toEqual([
      'controller_runtime_max_concurrent_reconciles{controller="gitrepository"} 4',
    ]);
  });

  it("feeds workqueue_* series from a real work queue", async () => {
    const m = new MetricsRecorder({ processMetrics: false });
    const queue = new WorkQueue({ name: "gitrepository", metrics: m.queueHooks("gitrepository") });
    queue.add("a");
    queue.add("b");
    queue.add("a");
    let text = await m.metrics();
    expect(lines(text, "workqueue_depth")).toEqual(['workqueue_depth{name="gitrepository"} 2']);
    expect(lines(text, "workqueue_adds_total")).toEqual(['workqueue_adds_total{name="gitrepository"} 2']);
    queue.start(async () => {});
    await queue.whenIdle();
    queue.addRateLimited("a");
    await queue.shutdown(0);
    text = await m.metrics();
    expect(lines(text, "workqueue_depth")).toEqual(['workqueue_depth{name="gitrepository"} 0']);
    expect(lines(text, "workqueue_retries_total")).toEqual(['workqueue_retries_total{name="gitrepository"} 1']);
    expect(lines(text, "workqueue_queue_duration_seconds_count")).toEqual([
      'workqueue_queue_duration_seconds_count{name="gitrepository"} 2',
    ]);
    expect(lines(text, "workqueue_work_duration_seconds_count")).toEqual([
      'workqueue_work_duration_seconds_count{name="gitrepository"} 2',
    ]);
  });

  it("exports Flux 2.1+'s set: no legacy gauges by default; terminal errors, panics, in-flight work, REST, leader", async () => {
    const m = new MetricsRecorder({ processMetrics: false });
    m.recordCondition(repo, { type: "Ready", status: "True" });
    m.recordSuspend(repo, true);
    m.registerController("gitrepository", 2);
    m.recordTerminalError("gitrepository");
    m.recordPanic("gitrepository");
    m.recordRestRequest(200, "GET", "127.0.0.1:6443");
    m.recordRestRequest("<error>", "PATCH", "127.0.0.1:6443");
    m.recordLeader("source-controller-leader-election", true);
    const hooks = m.queueHooks("gitrepository");
    hooks.workStarted?.("flux-system/a");
    hooks.workStarted?.("flux-system/b");
    let text = await m.metrics();
    expect(text).not.toContain("gotk_reconcile_condition");
    expect(text).not.toContain("gotk_suspend_status");
    expect(lines(text, "controller_runtime_terminal_reconcile_errors_total")).toEqual([
      'controller_runtime_terminal_reconcile_errors_total{controller="gitrepository"} 1',
    ]);
    expect(lines(text, "controller_runtime_reconcile_panics_total")).toEqual([
      'controller_runtime_reconcile_panics_total{controller="gitrepository"} 1',
    ]);
    expect(lines(text, "rest_client_requests_total")).toEqual([
      'rest_client_requests_total{code="200",method="GET",host="127.0.0.1:6443"} 1',
      'rest_client_requests_total{code="<error>",method="PATCH",host="127.0.0.1:6443"} 1',
    ]);
    expect(lines(text, "leader_election_master_status")).toEqual([
      'leader_election_master_status{name="source-controller-leader-election"} 1',
    ]);
    // source-controller's own (its Helm index cache), not every controller's.
    expect(text).not.toContain("gotk_cache_events_total");
    const longest = Number(lines(text, "workqueue_longest_running_processor_seconds")[0]?.split(" ")[1]);
    const unfinished = Number(lines(text, "workqueue_unfinished_work_seconds")[0]?.split(" ")[1]);
    expect(longest).toBeGreaterThanOrEqual(0);
    expect(unfinished).toBeGreaterThanOrEqual(longest);
    hooks.workFinished?.("flux-system/a");
    hooks.workFinished?.("flux-system/b");
    text = await m.metrics();
    expect(lines(text, "workqueue_longest_running_processor_seconds")).toEqual([
      'workqueue_longest_running_processor_seconds{name="gitrepository"} 0',
    ]);
    expect(lines(text, "workqueue_unfinished_work_seconds")).toEqual([
      'workqueue_unfinished_work_seconds{name="gitrepository"} 0',
    ]);
  });

  it("keeps registries of different managers apart and can add process metrics", async () => {
    const a = new MetricsRecorder({ processMetrics: true, legacyObjectMetrics: true });
    const b = new MetricsRecorder({ processMetrics: false });
    a.recordSuspend(repo, true);
    expect(await a.metrics()).toContain("process_cpu_user_seconds_total");
    expect(await b.metrics()).not.toContain('name="podinfo"');
    expect(a.contentType).toContain("text/plain");
  });
});

describe("buckets", () => {
  it("match Prometheus' exponential bucket helpers", () => {
    expect(exponentialBuckets(1, 2, 4)).toEqual([1, 2, 4, 8]);
    const range = exponentialBucketsRange(0.01, 1800, 10);
    expect(range).toHaveLength(10);
    expect(range[0]).toBeCloseTo(0.01);
    expect(range[9]).toBeCloseTo(1800);
  });
});
