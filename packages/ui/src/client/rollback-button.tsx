// "Roll back to this revision" on a history row: a revert commit pushed by the UI, or the commands to run.

import { useState } from "preact/hooks";
import { paths, type RollbackAnswer } from "../shared/api.js";
import { postJson } from "./api-client.js";

/** The button and, once pressed, what happened. */
export function RollbackButton({ namespace, name, revision }: { namespace: string; name: string; revision: string }) {
  const [answer, setAnswer] = useState<RollbackAnswer | undefined>();
  const [error, setError] = useState("");
  return (
    <>
      <button
        type="button"
        data-rollback={revision}
        onClick={async () => {
          try {
            setAnswer(await postJson<RollbackAnswer>(paths.rollback("Kustomization", namespace, name), { revision }));
            setError("");
          } catch (err: unknown) {
            setError((err as Error).message);
          }
        }}
      >
        Roll back to this revision
      </button>
      {error ? (
        <p role="status" class="error">
          {error}
        </p>
      ) : null}
      {answer ? (
        <div role="status" class="rollback-result">
          <p class={answer.committed ? "ok" : ""}>{answer.message}</p>
          {answer.committed ? null : <code class="block">{answer.commands.join("\n")}</code>}
        </div>
      ) : null}
    </>
  );
}
