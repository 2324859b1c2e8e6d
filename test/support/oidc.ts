import { createHash, randomBytes } from "node:crypto";
import { join } from "node:path";
import { type JWK, SignJWT, importJWK } from "jose";

/**
 * A real OpenID Provider (oidc-provider) started by a test file, and members' tokens from it:
 * `signIn` runs the real authorization-code + PKCE flow through its login form over HTTP and
 * returns the genuine ID token; `mint` signs tokens with the provider's own key for the cases a
 * provider would never issue (expired ones), and `forge` with a key it never published.
 */
export interface TestIssuer {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redirectUri: string;
  /** A member's ID token, from a real sign-in (cached per login for the file). */
  signIn(login: string): Promise<string>;
  /** A browser at the issuer: from an authorization URL (a relying party's redirect), signs in as `login` and returns where the issuer sends it back. */
  authorize(authorizationUrl: string, login: string): Promise<URL>;
  /** Claims an account's tokens carry beyond the defaults (email = login when it looks like one); `null` leaves a default claim out. */
  setAccount(login: string, claims: Record<string, unknown>): void;
  /** `typ`: the JWT header's type, for tokens that are not ID tokens (an access token's `at+jwt`). */
  mint(claims: Record<string, unknown>, options?: MintOptions): Promise<string>;
  forge(claims: Record<string, unknown>): Promise<string>;
  close(): Promise<void>;
}

export interface MintOptions {
  audience?: string;
  issuer?: string;
  expiresAt?: number;
  alg?: string;
  typ?: string;
}

interface Provider {
  issuer: string;
  privateJwk: JWK & { alg: string; kid: string };
  setAccount(sub: string, claims: Record<string, unknown>): void;
  close(): Promise<void>;
}

/** The redirect URI registered by default: a console whose public URL is TEST_CONSOLE_URL. */
export const TEST_CONSOLE_URL = "http://127.0.0.1:1";
export const TEST_REDIRECT_URI = `${TEST_CONSOLE_URL}/console/callback`;

// Node's real require, not jest's (jest's module registry, `node:module` included, cannot load an
// ES module without experimental flags); process.getBuiltinModule reaches past it.
const nodeRequire = process.getBuiltinModule("node:module").createRequire(__filename);

function isProviderModule(value: unknown): value is { startProvider(options: object): Promise<Provider> } {
  return typeof value === "object" && value !== null && "startProvider" in value && typeof value.startProvider === "function";
}

/** `redirectUri`: the client's one registered redirect URI (a console's `<public URL>/console/callback`). */
export async function startIssuer(options: { alg?: "RS256" | "ES256"; clientId?: string; redirectUri?: string } = {}): Promise<TestIssuer> {
  const loaded: unknown = nodeRequire(join(__dirname, "oidc-provider.mjs"));
  if (!isProviderModule(loaded)) throw new Error("oidc-provider.mjs exports no startProvider");
  const clientId = options.clientId ?? "scim-admin-console";
  const clientSecret = "test-client-secret-0123456789";
  const redirectUri = options.redirectUri ?? TEST_REDIRECT_URI;
  const provider = await loaded.startProvider({
    alg: options.alg ?? "RS256",
    clients: [{ client_id: clientId, client_secret: clientSecret, redirect_uris: [redirectUri], grant_types: ["authorization_code"], response_types: ["code"], id_token_signed_response_alg: options.alg ?? "RS256" }],
  });
  const tokens = new Map<string, Promise<string>>();
  const sign = async (key: JWK & { alg: string; kid: string }, claims: Record<string, unknown>, o: MintOptions = {}) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT(claims)
      .setProtectedHeader({ alg: o.alg ?? key.alg, kid: key.kid, ...(o.typ === undefined ? {} : { typ: o.typ }) })
      .setIssuer(o.issuer ?? provider.issuer)
      .setAudience(o.audience ?? clientId)
      .setIssuedAt(now - 60)
      .setExpirationTime(o.expiresAt ?? now + 600)
      .sign(await importJWK(key, o.alg ?? key.alg));
  };
  return {
    issuer: provider.issuer,
    clientId,
    clientSecret,
    redirectUri,
    signIn: (login) => {
      let token = tokens.get(login);
      if (token === undefined) {
        token = codeFlow(provider.issuer, { clientId, clientSecret, redirectUri }, login);
        tokens.set(login, token);
      }
      return token;
    },
    authorize: (authorizationUrl, login) => authorizeAt(provider.issuer, authorizationUrl, redirectUri, login),
    setAccount: (login, claims) => {
      tokens.delete(login);
      provider.setAccount(login, claims);
    },
    mint: (claims, o) => sign(provider.privateJwk, claims, o),
    forge: async (claims) => {
      const { generateKeyPair, exportJWK } = await import("jose");
      const { privateKey } = await generateKeyPair("RS256");
      return sign({ ...(await exportJWK(privateKey)), alg: "RS256", kid: provider.privateJwk.kid }, claims);
    },
    close: () => provider.close(),
  };
}

/** The authorization-code + PKCE flow a browser would run, with fetch and a cookie jar. */
async function codeFlow(issuer: string, client: { clientId: string; clientSecret: string; redirectUri: string }, login: string): Promise<string> {
  const verifier = randomBytes(32).toString("base64url");
  const auth = new URL(`${issuer}/auth`);
  auth.search = new URLSearchParams({
    client_id: client.clientId,
    response_type: "code",
    redirect_uri: client.redirectUri,
    scope: "openid email profile",
    code_challenge: createHash("sha256").update(verifier).digest("base64url"),
    code_challenge_method: "S256",
    state: "state",
    nonce: "nonce",
  }).toString();
  const back = await authorizeAt(issuer, auth.href, client.redirectUri, login);
  const code = back.searchParams.get("code");
  if (code === null) throw new Error(`no code in ${back.href}`);
  const token = await fetch(`${issuer}/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString("base64")}` },
    body: new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: client.redirectUri, code_verifier: verifier }),
  });
  const body = (await token.json()) as { id_token?: string };
  if (!token.ok || body.id_token === undefined) throw new Error(`token endpoint: ${JSON.stringify(body)}`);
  return body.id_token;
}

/**
 * What a browser does at the issuer from an authorization URL: follows its redirects, signs in as
 * `login` on its login form and consents, until the issuer sends it back to `redirectUri`; returns
 * that URL (with `code` and `state`, or `error`).
 */
async function authorizeAt(issuer: string, authorizationUrl: string, redirectUri: string, login: string): Promise<URL> {
  const jar = new Map<string, string>();
  const go = async (url: string, init: RequestInit = {}): Promise<Response> => {
    const res = await fetch(url, { ...init, redirect: "manual", headers: { ...(init.headers as Record<string, string> | undefined), cookie: [...jar].map(([k, v]) => `${k}=${v}`).join("; ") } });
    for (const cookie of res.headers.getSetCookie()) {
      const pair = cookie.split(";")[0] ?? "";
      const at = pair.indexOf("=");
      jar.set(pair.slice(0, at), pair.slice(at + 1));
    }
    return res;
  };
  let res = await go(authorizationUrl);
  for (let step = 0; step < 10; step++) {
    const location = res.headers.get("location");
    if (location?.startsWith(redirectUri)) return new URL(location);
    if (location) {
      res = await go(new URL(location, issuer).href);
      continue;
    }
    const html = await res.text();
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    if (action === undefined) throw new Error(`unexpected page ${res.status}: ${html.slice(0, 200)}`);
    const prompt = /name="prompt" value="(\w+)"/.exec(html)?.[1] ?? "login";
    res = await go(new URL(action, issuer).href, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(prompt === "login" ? { prompt, login, password: "any" } : { prompt }).toString(),
    });
  }
  throw new Error("sign-in did not finish within 10 redirects");
}
