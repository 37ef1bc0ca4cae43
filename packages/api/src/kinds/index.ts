import type { KindDefinition } from "../meta/kind.js";
import { SOURCE_KINDS } from "./source/index.js";

/** Every kind Sluice serves, in the order CRDs are generated. Assembled from each API group's list. */
export const ALL_KINDS: readonly KindDefinition[] = [...SOURCE_KINDS];
