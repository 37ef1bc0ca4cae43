// The commit message of an automation run: `git.commit.messageTemplate` (default Flux's "Update from image
// update automation") run with Flux's TemplateData — `.AutomationObject` (namespace/name), `.Changed`
// (`.FileChanges`, `.Changes`, `.Objects` of the update) and `.Values` (`messageTemplateValues`).

import { DEFAULT_COMMIT_MESSAGE } from "@sluice/api";
import type { Change, ObjectIdentifier, UpdateResult } from "../update/setters.js";
import { executeTemplate, TemplateError, TYPE_NAME } from "./go-template.js";

/** A template using a field Flux removed (`.Updated`, `.Changed.ImageResult`): stalls (RemovedTemplateField). */
export class RemovedTemplateFieldError extends Error {
  override readonly name = "RemovedTemplateFieldError";
}

const REMOVED = [
  { field: ".Updated", pattern: "can't evaluate field Updated in type source.TemplateData" },
  { field: ".Changed.ImageResult", pattern: "can't evaluate field ImageResult in type update.Result" },
];

type Typed<T> = T & { [TYPE_NAME]: string };

function objectKey(o: ObjectIdentifier): Typed<ObjectIdentifier> & { toString(): string } {
  return {
    ...o,
    [TYPE_NAME]: "update.ObjectIdentifier",
    toString: () => `${o.Kind} ${o.Namespace ? `${o.Namespace}/` : ""}${o.Name}`,
  };
}

function change(c: Change): Typed<Change> {
  return { ...c, [TYPE_NAME]: "update.Change" };
}

/** Flux's TemplateData for `result`. */
export function templateData(
  namespace: string,
  name: string,
  result: UpdateResult,
  values: Record<string, string> = {},
) {
  const fileChanges = new Map<string, Map<ReturnType<typeof objectKey>, Typed<Change>[]>>();
  for (const [file, objects] of result.FileChanges) {
    fileChanges.set(file, new Map([...objects.values()].map((o) => [objectKey(o.object), o.changes.map(change)])));
  }
  const changed = {
    [TYPE_NAME]: "update.Result",
    FileChanges: fileChanges,
    Changes() {
      const seen = new Set<string>();
      const out: Typed<Change>[] = [];
      for (const objects of fileChanges.values()) {
        for (const list of objects.values()) {
          for (const c of list) {
            const key = `${c.OldValue}\u0000${c.NewValue}\u0000${c.Setter}`;
            if (!seen.has(key)) {
              seen.add(key);
              out.push(c);
            }
          }
        }
      }
      return out;
    },
    Objects() {
      const out = new Map<ReturnType<typeof objectKey>, Typed<Change>[]>();
      const byString = new Map<string, ReturnType<typeof objectKey>>();
      for (const objects of fileChanges.values()) {
        for (const [obj, list] of objects) {
          const id = `${obj.APIVersion}/${obj.Kind}/${obj.Namespace}/${obj.Name}`;
          const key = byString.get(id) ?? obj;
          byString.set(id, key);
          out.set(key, [...(out.get(key) ?? []), ...list]);
        }
      }
      return out;
    },
  };
  return {
    [TYPE_NAME]: "source.TemplateData",
    AutomationObject: {
      [TYPE_NAME]: "types.NamespacedName",
      Namespace: namespace,
      Name: name,
      toString: () => `${namespace}/${name}`,
    },
    Changed: changed,
    Values: new Map(Object.entries(values)),
  };
}

/**
 * The commit message for `result`. Throws {@link RemovedTemplateFieldError} for a removed field and a
 * TemplateError (`unable to create commit message template from spec: …` / `failed to run template from
 * spec: …`) otherwise.
 */
export function commitMessage(
  template: string | undefined,
  namespace: string,
  name: string,
  result: UpdateResult,
  values: Record<string, string> = {},
): string {
  try {
    return executeTemplate(
      "commit message",
      template || DEFAULT_COMMIT_MESSAGE,
      templateData(namespace, name, result, values),
    );
  } catch (err: unknown) {
    if (!(err instanceof TemplateError)) throw err;
    const removed = REMOVED.find((r) => err.message.includes(r.pattern));
    if (removed) {
      throw new RemovedTemplateFieldError(
        `template uses removed field '${removed.field}', please refer to the docs for the new template fields`,
      );
    }
    throw new TemplateError(`failed to run template from spec: ${err.message}`);
  }
}
