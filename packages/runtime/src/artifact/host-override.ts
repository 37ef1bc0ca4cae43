/** Environment variable Flux consumers read to reach source-controller's artifact server on another host. */
export const SourceControllerLocalhostEnv = "SOURCE_CONTROLLER_LOCALHOST";

/**
 * Replaces the host (and port) of an artifact URL, as Flux consumers do when `SOURCE_CONTROLLER_LOCALHOST`
 * is set (e.g. `localhost:9090` while running a controller outside the cluster). An empty override leaves
 * the URL as is.
 */
export function overrideArtifactHost(url: string, host: string | undefined): string {
  if (!host) return url;
  const parsed = new URL(url);
  parsed.host = host;
  return parsed.toString();
}

/** Reads the artifact host override from the environment (`SOURCE_CONTROLLER_LOCALHOST`). */
export function artifactHostFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = env[SourceControllerLocalhostEnv];
  return value ? value : undefined;
}
