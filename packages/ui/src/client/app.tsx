// The shell: header with the session (log in / out), hash routing between the overview and object pages.

import { useEffect, useState } from "preact/hooks";
import { paths, type Session } from "../shared/api.js";
import { getJson, postJson, rememberSession } from "./api-client.js";
import { Detail } from "./detail.js";
import { Overview } from "./overview.js";

type Route = { page: "overview" } | { page: "object"; kind: string; namespace: string; name: string };

function parseRoute(hash: string): Route {
  const m = /^#\/object\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(hash);
  if (m) {
    return {
      page: "object",
      kind: decodeURIComponent(m[1]!),
      namespace: decodeURIComponent(m[2]!),
      name: decodeURIComponent(m[3]!),
    };
  }
  return { page: "overview" };
}

function Login({ session, onSession }: { session: Session; onSession: (s: Session) => void }) {
  const [open, setOpen] = useState(false);
  const [token, setToken] = useState("");
  const [error, setError] = useState("");
  if (session.canAct || session.user !== "anonymous (read-only)") {
    return (
      <div class="session">
        <span>
          {session.user}
          {session.canAct ? "" : " (read-only)"}
        </span>
        <button type="button" onClick={async () => onSession(await postJson<Session>(paths.logout))}>
          Log out
        </button>
      </div>
    );
  }
  if (!open) {
    return (
      <div class="session">
        <span>read-only</span>
        {session.oidc ? (
          <a class="button" href={paths.oidcLogin} data-testid="oidc-login">
            Log in with OIDC
          </a>
        ) : null}
        <button type="button" onClick={() => setOpen(true)}>
          Log in{session.oidc ? " with a token" : ""}
        </button>
      </div>
    );
  }
  return (
    <form
      class="session"
      onSubmit={async (e) => {
        e.preventDefault();
        try {
          onSession(await postJson<Session>(paths.login, { token }));
          setToken("");
          setOpen(false);
          setError("");
        } catch (err: unknown) {
          setError((err as Error).message);
        }
      }}
    >
      <label>
        Token{" "}
        <input
          type="password"
          name="token"
          autocomplete="off"
          value={token}
          onInput={(e) => setToken((e.target as HTMLInputElement).value)}
        />
      </label>
      <button type="submit">Log in</button>
      {error ? (
        <span role="alert" class="error">
          {error}
        </span>
      ) : null}
    </form>
  );
}

/** The whole app. */
export function App() {
  const [route, setRoute] = useState<Route>(parseRoute(location.hash));
  const [session, setSession] = useState<Session | undefined>();
  useEffect(() => {
    const onHash = () => setRoute(parseRoute(location.hash));
    addEventListener("hashchange", onHash);
    return () => removeEventListener("hashchange", onHash);
  }, []);
  useEffect(() => {
    void getJson<Session>(paths.session).then((s) => {
      rememberSession(s);
      setSession(s);
    });
  }, []);
  const onSession = (s: Session) => {
    rememberSession(s);
    setSession(s);
  };
  return (
    <>
      <header class="top">
        <a class="brand" href="#/">
          Sluice
        </a>
        {route.page === "object" ? (
          <span class="crumb">
            {route.kind} {route.namespace}/{route.name}
          </span>
        ) : null}
        {session ? <Login session={session} onSession={onSession} /> : null}
      </header>
      {route.page === "overview" ? (
        <Overview />
      ) : (
        <Detail
          key={`${route.kind}/${route.namespace}/${route.name}`}
          kind={route.kind}
          namespace={route.namespace}
          name={route.name}
          session={session}
        />
      )}
    </>
  );
}
