// The controllers the image can run, by the name their Deployment has (Flux's names). Each entry loads its
// package only when chosen, so a process holds one controller's code.

/** Runs one controller with its command-line flags; resolves with the process exit code. */
export type ControllerCommand = (argv: readonly string[]) => Promise<number>;

/**
 * Every controller `sluice-controller <name>` can start. Adding a controller is one row here (and its package
 * in this package's dependencies) plus its values block and template in charts/sluice.
 */
export const CONTROLLERS: Readonly<Record<string, ControllerCommand>> = {
  "source-controller": async (argv) => (await import("@sluice/source-controller")).runSourceController(argv),
  "kustomize-controller": async (argv) => (await import("@sluice/kustomize-controller")).runKustomizeController(argv),
  "helm-controller": async (argv) => (await import("@sluice/helm-controller")).runHelmController(argv),
  "notification-controller": async (argv) =>
    (await import("@sluice/notification-controller")).runNotificationController(argv),
  // Optional component (Flux's --components-extra=source-watcher): the ArtifactGenerator controller.
  "source-watcher": async (argv) => (await import("@sluice/source-watcher")).runSourceWatcher(argv),
  "image-reflector-controller": async (argv) =>
    (await import("@sluice/image-reflector-controller")).runImageReflectorController(argv),
  "image-automation-controller": async (argv) =>
    (await import("@sluice/image-automation-controller")).runImageAutomationController(argv),
  // The web UI (the chart's optional `ui` component): not a controller, but run by the same image.
  ui: async (argv) => (await import("@sluice/ui")).runUi(argv),
};

/** The names {@link CONTROLLERS} knows, in Flux's order. */
export function controllerNames(): string[] {
  return Object.keys(CONTROLLERS);
}
