import { KubeConfig } from "@kubernetes/client-node";

/** A Kubernetes API for integration tests, and how to release it. */
export interface TestCluster {
  kubeConfig: KubeConfig;
  /** Path of a kubeconfig file pointing at the cluster (for kubectl/helm child processes). */
  kubeconfigPath: string;
  stop(): Promise<void>;
}

/**
 * The cluster integration tests run against: the kubeconfig named by `SLUICE_TEST_KUBECONFIG`, or
 * undefined when none is available (callers use `describe.skipIf(!cluster)`).
 * Once packages/apiserver lands this starts it in-process instead.
 */
export async function startTestCluster(): Promise<TestCluster | undefined> {
  const path = process.env["SLUICE_TEST_KUBECONFIG"];
  if (!path) return undefined;
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(path);
  return { kubeConfig, kubeconfigPath: path, stop: async () => {} };
}

/** True when an integration-test cluster can be had (decided before tests are collected). */
export const hasTestCluster = Boolean(process.env["SLUICE_TEST_KUBECONFIG"]);
