/** Splits a JSON pointer (`/spec/template/metadata/annotations/a~1b`) into unescaped segments. */
export function parsePointer(pointer: string): string[] {
  if (pointer === "") return [];
  if (!pointer.startsWith("/")) throw new SyntaxError(`invalid JSON pointer '${pointer}': must start with '/'`);
  return pointer
    .slice(1)
    .split("/")
    .map((s) => s.replaceAll("~1", "/").replaceAll("~0", "~"));
}

function child(container: unknown, segment: string): { found: boolean; value: unknown } {
  if (Array.isArray(container)) {
    if (!/^(0|[1-9][0-9]*)$/.test(segment)) return { found: false, value: undefined };
    const index = Number(segment);
    return index < container.length ? { found: true, value: container[index] } : { found: false, value: undefined };
  }
  if (typeof container === "object" && container !== null && Object.hasOwn(container, segment)) {
    return { found: true, value: (container as Record<string, unknown>)[segment] };
  }
  return { found: false, value: undefined };
}

/** Reads the value at a pointer; `found` is false when any segment is missing. */
export function getPointer(doc: unknown, segments: readonly string[]): { found: boolean; value: unknown } {
  let cur: { found: boolean; value: unknown } = { found: true, value: doc };
  for (const segment of segments) {
    cur = child(cur.value, segment);
    if (!cur.found) return cur;
  }
  return cur;
}

/** Removes the value at a pointer in place; a missing path is not an error. */
export function removePointer(doc: unknown, segments: readonly string[]): void {
  if (segments.length === 0) return;
  const parent = getPointer(doc, segments.slice(0, -1));
  if (!parent.found) return;
  const last = segments[segments.length - 1]!;
  if (Array.isArray(parent.value)) {
    if (child(parent.value, last).found) parent.value.splice(Number(last), 1);
  } else if (typeof parent.value === "object" && parent.value !== null) {
    delete (parent.value as Record<string, unknown>)[last];
  }
}

/**
 * Sets the value at a pointer in place, creating missing object parents. Returns false when a parent is
 * not a container (or an array index is out of range) and nothing was set.
 */
export function setPointer(doc: unknown, segments: readonly string[], value: unknown): boolean {
  if (segments.length === 0) return false;
  let cur: unknown = doc;
  for (const segment of segments.slice(0, -1)) {
    const next = child(cur, segment);
    if (next.found && typeof next.value === "object" && next.value !== null) {
      cur = next.value;
      continue;
    }
    if (next.found || Array.isArray(cur) || typeof cur !== "object" || cur === null) return false;
    const created: Record<string, unknown> = {};
    (cur as Record<string, unknown>)[segment] = created;
    cur = created;
  }
  const last = segments[segments.length - 1]!;
  if (Array.isArray(cur)) {
    if (!child(cur, last).found) return false;
    cur[Number(last)] = value;
    return true;
  }
  if (typeof cur !== "object" || cur === null) return false;
  (cur as Record<string, unknown>)[last] = value;
  return true;
}
