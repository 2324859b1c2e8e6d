// A real OpenID Provider for the sign-in tests (oidc-provider, ESM-only): loaded in-process with
// Node's own require (require(esm), Node >= 20.19) by test/support/oidc.ts, so it has no top-level
// await. Accounts sign in through the built-in development login form (any login, any password).
import http from "node:http";
import crypto from "node:crypto";

/**
 * @param {{ clients?: object[], alg?: "RS256" | "ES256" }} inputOpts
 */
export async function startProvider(inputOpts = {}) {
  // Re-create the options in this realm: objects built inside jest's sandbox have a foreign
  // Object.prototype and fail oidc-provider's plain-object checks.
  const opts = JSON.parse(JSON.stringify(inputOpts));
  const alg = opts.alg ?? "RS256";
  const generated = crypto.generateKeyPairSync(alg === "ES256" ? "ec" : "rsa", alg === "ES256" ? { namedCurve: "P-256" } : { modulusLength: 2048 });
  const jwk = { ...generated.privateKey.export({ format: "jwk" }), alg, use: "sig", kid: "test-key-1" };
  const accounts = new Map();

  const server = http.createServer();
  // fetch (undici) keeps connections for about four seconds; a server that closes an idle one first
  // can do it as fetch reuses it (ECONNRESET under load). Holding them longer leaves closing to fetch.
  server.keepAliveTimeout = 60_000;
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${server.address().port}`;

  // A login that looks like an email is the email; Entra-style accounts set their claims explicitly,
  // and a claim set to null is left out (as Entra leaves out email_verified).
  const claimsFor = (sub) => {
    const claims = {
      sub,
      email: sub.includes("@") ? sub : `${sub}@example.test`,
      email_verified: true,
      preferred_username: sub,
      name: sub,
      ...(accounts.get(sub) ?? {}),
    };
    return Object.fromEntries(Object.entries(claims).filter(([, value]) => value !== null));
  };

  // The provider warns, rightly, that its in-memory adapter and login form are for development and
  // that Node 20 is not its favourite runtime: known to a test, so not printed on every run.
  const warn = console.warn;
  console.warn = (...args) => {
    if (!/^oidc-provider WARNING: (a quick start development-only|Unsupported runtime)/.test(String(args[0]))) warn(...args);
  };
  let provider;
  try {
    const { default: Provider } = await import("oidc-provider");
    provider = new Provider(issuer, {
      clients: opts.clients ?? [],
      jwks: { keys: [jwk] },
      cookies: { keys: ["test-cookie-key"] },
      pkce: { required: () => true },
      features: { devInteractions: { enabled: true } },
      claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["preferred_username", "name"] },
      scopes: ["openid", "email", "profile", "offline_access"],
      conformIdTokenClaims: false,
      enabledJWA: { idTokenSigningAlgValues: [alg], userinfoSigningAlgValues: [alg] },
      ttl: { AccessToken: 3600, IdToken: 3600, AuthorizationCode: 60, Interaction: 600, Session: 3600, Grant: 3600 },
      async findAccount(_ctx, sub) {
        return { accountId: sub, claims: async () => claimsFor(sub) };
      },
      async loadExistingGrant(ctx) {
        const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
        grant.addOIDCScope(ctx.oidc.params.scope ?? "openid");
        await grant.save();
        return grant;
      },
    });
  } catch (e) {
    server.close();
    throw e;
  } finally {
    console.warn = warn;
  }
  server.on("request", provider.callback());

  return {
    issuer,
    privateJwk: jwk,
    setAccount: (sub, claims) => accounts.set(sub, JSON.parse(JSON.stringify(claims))),
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
