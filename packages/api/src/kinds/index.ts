import type { KindDefinition } from "../meta/kind.js";
import { HELM_KINDS } from "./helm/index.js";
import { IMAGE_KINDS } from "./image/index.js";
import { KUSTOMIZE_KINDS } from "./kustomize/index.js";
import { NOTIFICATION_KINDS } from "./notification/index.js";
import { SOURCE_KINDS } from "./source/index.js";
import { SOURCE_EXTENSIONS_KINDS } from "./source-extensions/index.js";

export * from "./helm/index.js";
export * from "./image/index.js";
export * from "./kustomize/index.js";
export * from "./notification/index.js";
export * from "./source/index.js";
export * from "./source-extensions/index.js";

/** Every kind Sluice serves, in the order CRDs are generated. Assembled from each API group's list. */
export const ALL_KINDS: readonly KindDefinition[] = [
  ...SOURCE_KINDS,
  ...SOURCE_EXTENSIONS_KINDS,
  ...KUSTOMIZE_KINDS,
  ...HELM_KINDS,
  ...NOTIFICATION_KINDS,
  ...IMAGE_KINDS,
];

/**
 * Kinds that come with an optional component rather than the core install, as Flux installs source-watcher's
 * CRDs only with `--components-extra=source-watcher`. Their CRDs are generated apart
 * (`charts/sluice/components/<component>/crds/`) and installed only with the component.
 */
export const COMPONENT_KINDS: Readonly<Record<string, readonly KindDefinition[]>> = {
  "source-watcher": SOURCE_EXTENSIONS_KINDS,
};

/** The kinds of the core install: every kind but the optional components'. */
export const CORE_KINDS: readonly KindDefinition[] = ALL_KINDS.filter(
  (k) => !Object.values(COMPONENT_KINDS).some((kinds) => kinds.includes(k)),
);
