/**
 * The console's shell: the sign-in screen when there is no key, otherwise
 * the header (who I am, navigation, sign out), the "acting as" bar and the
 * screen the route names.
 */
import { useEffect, useState } from "preact/hooks";
import type { GetUserInfoResponse } from "../../clients/typescript/src/gen/roster/v1/user_pb.js";
import { api } from "./api";
import { ConfigScreen } from "./config";
import { explain, type Explained } from "./errors";
import { KeysScreen } from "./keys";
import { can, MeContext } from "./me";
import { OrgsScreen, TenantsScreen } from "./orgs";
import { type Route, useRoute } from "./route";
import { session } from "./session";
import { ErrorBox } from "./ui";
import { UsersScreen } from "./users";

/** The whole app. */
export function App() {
  const [, setTick] = useState(0);
  useEffect(() => session.subscribe(() => setTick((t) => t + 1)), []);
  return session.key() ? <Shell key={session.actingAs()} /> : <SignIn />;
}

function SignIn() {
  const [key, setKey] = useState("");
  const [error, setError] = useState<Explained | null>(null);
  const notice = session.notice();
  const submit = (e: Event) => {
    e.preventDefault();
    if (!key.trim()) {
      setError({ message: "Enter an access key.", detail: "", fields: {} });
      return;
    }
    // The shell's GetInfo checks the key; UNAUTHENTICATED comes back here
    // with the message (see api.ts).
    session.signIn(key.trim());
  };
  return (
    <main class="signin" id="main">
      <form class="card" onSubmit={submit} novalidate aria-labelledby="signin-title">
        <p class="brand" aria-hidden="true"><span class="logo">r</span> roster</p>
        <h1 id="signin-title">Sign in to the console</h1>
        {notice && <div class="error" role="alert"><p>{notice}</p></div>}
        <div class="field">
          <label for="access-key">Access key</label>
          <input id="access-key" type="password" autoComplete="off" autofocus value={key}
            onInput={(e) => setKey((e.currentTarget as HTMLInputElement).value)}
            aria-describedby="access-key-hint" />
          <p class="hint" id="access-key-hint">
            An access key of yours (the first administrator's is in the data directory's <code>bootstrap.key</code>).
            It is kept in this tab only, until you sign out or close it.
          </p>
        </div>
        <ErrorBox error={error} />
        <button type="submit" class="primary wide">Sign in</button>
      </form>
    </main>
  );
}

function Shell() {
  const [me, setMe] = useState<GetUserInfoResponse | null>(null);
  const [error, setError] = useState<Explained | null>(null);
  const route = useRoute();
  useEffect(() => {
    api.getInfo({}).then(setMe, (err) => setError(explain(err)));
  }, []);
  useEffect(() => {
    if (me && route.view === "unknown") location.replace(home(me));
  }, [me, route.view]);
  const actingAs = session.actingAs();
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById("main")?.focus(); }}>Skip to content</a>
      <Header me={me} />
      {actingAs && (
        <div class="acting" role="status">
          <p>Acting as <strong>{actingAs}</strong>: every call acts as this user.</p>
          <button type="button" onClick={stopActing}>Stop acting as</button>
        </div>
      )}
      <main id="main" tabIndex={-1}>
        <ErrorBox error={error} />
        {me && (
          <MeContext.Provider value={me}>
            <Screen route={route} />
          </MeContext.Provider>
        )}
      </main>
    </>
  );
}

/** Where a user lands: the widest list its permissions can open. */
function home(me: GetUserInfoResponse): string {
  if (can(me, "orgs:read")) return "#/orgs";
  if (can(me, "tenants:read")) return "#/users";
  return "#/me/keys";
}

function Header(props: { me: GetUserInfoResponse | null }) {
  const me = props.me;
  const route = useRoute();
  const link = (hash: string, label: string, current: boolean) => (
    <a href={hash} aria-current={current ? "page" : undefined}>{label}</a>
  );
  return (
    <header class="top">
      <a class="brand" href="#/"><span class="logo" aria-hidden="true">r</span> roster</a>
      <nav aria-label="Main">
        {me && can(me, "orgs:read") && link("#/orgs", "Organizations", ["orgs", "tenants", "users"].includes(route.view))}
        {me && !can(me, "orgs:read") && can(me, "users:read") && link("#/users", "Users", route.view === "users")}
        {link("#/me/keys", "Keys", route.view === "keys")}
        {link("#/me/config", "My configuration", route.view === "config")}
      </nav>
      {me && (
        <div class="whoami" aria-label="Signed in user">
          <span class="who"><strong>{me.name || me.id}</strong> <span class="muted">{me.id}</span></span>
          <span class="roles">{me.roles.join(", ") || "no roles"}</span>
        </div>
      )}
      <button type="button" class="signout" onClick={signOut}>Sign out</button>
    </header>
  );
}

/** Acts as oneself again, from one's own home screen (the user's screens may not be one's own). */
function stopActing() {
  history.replaceState(null, "", location.pathname);
  session.actAs("");
}

/** Signs out and leaves the screen, so the next user starts at its own home. */
function signOut() {
  session.signOut();
  history.replaceState(null, "", location.pathname);
}

function Screen(props: { route: Route }) {
  switch (props.route.view) {
    case "orgs":
      return <OrgsScreen route={props.route} />;
    case "tenants":
      return <TenantsScreen route={props.route} />;
    case "users":
      return <UsersScreen route={props.route} />;
    case "keys":
      return <KeysScreen />;
    case "config":
      return <ConfigScreen />;
    default:
      return null;
  }
}
