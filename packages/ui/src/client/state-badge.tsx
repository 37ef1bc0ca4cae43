import type { ObjectState } from "../shared/api.js";

/** A coloured, labelled state (colour is never the only signal: the word is always there). */
export function StateBadge({ state }: { state: ObjectState | string }) {
  return <span class={`badge state-${state.toLowerCase()}`}>{state}</span>;
}
