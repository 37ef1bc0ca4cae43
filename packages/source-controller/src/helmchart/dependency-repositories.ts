// Helm's repositories.yaml for a chart's repository dependencies (Flux's namespacedChartRepositoryCallback):
// each dependency URL gets the credentials of the HelmRepository with that URL in the chart's namespace.

import { type HelmRepository, SOURCE_API_VERSION, SourceKind } from "@sluice/api";
import type { KubeClient } from "@sluice/runtime/kube";
import { type HelmHome, type HelmRepositoryEntry, writeRepositoriesConfig } from "../internal/chart/index.js";
import {
  normalizeRepositoryUrl,
  type RepositoryCredentials,
  readRepositoryCredentials,
  writeTlsFiles,
} from "../internal/helm/repository-credentials.js";

/**
 * Writes `<home>/repositories.yaml` (0600) listing `urls`, each with the basic auth and TLS files of the
 * HelmRepository in `namespace` whose normalized URL matches (anonymous when there is none). Throws
 * `RepositoryCredentialsError` when such a repository's Secrets are unusable.
 */
export async function writeDependencyRepositories(
  client: KubeClient,
  namespace: string,
  urls: readonly string[],
  home: HelmHome,
): Promise<void> {
  if (urls.length === 0) return;
  const list = await client.list<HelmRepository>(SOURCE_API_VERSION, SourceKind.HelmRepository, { namespace });
  const entries: HelmRepositoryEntry[] = [];
  for (const [i, url] of urls.entries()) {
    const normalized = normalizeRepositoryUrl(url);
    const repo = list.items.find((r) => {
      try {
        return normalizeRepositoryUrl(r.spec.url) === normalized;
      } catch {
        return false;
      }
    });
    const creds: RepositoryCredentials | undefined = repo ? await readRepositoryCredentials(client, repo) : undefined;
    entries.push({
      name: `dependency-${i}`,
      url,
      username: creds?.basicAuth?.username,
      password: creds?.basicAuth?.password,
      passCredentialsAll: creds?.passCredentials,
      ...(creds ? await writeTlsFiles(home, creds, `dependency-${i}`) : {}),
    });
  }
  await writeRepositoriesConfig(home, entries);
}
