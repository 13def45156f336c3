// Test-only OpenID Connect provider for end-to-end SSO tests.
//
// A real OP built on the npm package `oidc-provider` (panva, v8.x; v9 only
// supports Node 22 LTS+ and this project runs Node 20). It is started by
// pytest through tests/oidc_harness.py and listens on 127.0.0.1 only. NEVER
// use it outside tests: any password is accepted and there is a token-minting
// backdoor (POST /test/token).
//
// Run:  node tests/oidc/provider.mjs   (from the repo root, after `npm install`)
//
// Environment:
//   OIDC_PORT                 port to listen on (127.0.0.1)                     [required]
//   OIDC_ISSUER               issuer URL, default http://127.0.0.1:$OIDC_PORT
//   OIDC_CLIENT_ID            the single confidential client                     [required]
//   OIDC_CLIENT_SECRET        its secret; accepted via client_secret_post AND
//                             client_secret_basic at the token endpoint         [required]
//   OIDC_REDIRECT_URIS        comma-separated redirect URIs (http + localhost ok) [required]
//   OIDC_POST_LOGOUT_REDIRECT_URIS  comma-separated, optional (RP-initiated logout)
//   OIDC_ACCOUNTS_FILE        JSON file {"<account id>": {"email": ..., "email_verified": true,
//                             "name": ..., "groups": [...], "cognito:groups": [...],
//                             "custom:tenant_id": "acme",
//                             "_id_token_only": ["cognito:groups"]}, ...}; re-read on every
//                             account lookup, so tests may edit it between requests [required]
//                             (claims listed in _id_token_only are in the ID token only, not in
//                             userinfo: Cognito's userInfo does not return cognito:groups)
//   OIDC_ACCESS_TOKEN_TTL     access-token lifetime in seconds (default 300)
//
// Behaviour:
//   * Scopes/claims: openid -> sub, groups, cognito:groups, custom:tenant_id;
//     email -> email, email_verified; profile -> name (+ given_name, family_name,
//     preferred_username). The RP should request scope "openid email profile".
//     conformIdTokenClaims is off, so these claims are in BOTH the ID token and
//     the userinfo response for the authorization-code flow.
//   * Login: built-in dev interactions at /interaction/<uid>; form fields
//     input[name="login"] (= account id) and input[name="password"] (anything),
//     submit button "Sign-in". Unknown account ids just get the login form again.
//     Consent is never shown: loadExistingGrant auto-grants the requested scopes.
//   * PKCE is optional (verified when the RP sends code_challenge, S256 only).
//   * Access tokens are opaque; /me (userinfo) answers 401 for unknown, expired
//     or revoked tokens and for tokens whose account was removed. clockTolerance
//     is 0, so a token is rejected as soon as its ttl has passed.
//   * RP-initiated logout (/session/end) auto-confirms (no "sign me out" click).
//   * RS256 ID tokens, signing key generated at start-up (JWKS at /jwks).
//   * GET  /test/health -> 200 {"status": "ok"}
//   * POST /test/token {"account": "<id>", "ttl": <seconds, optional>,
//       "scope": "<optional, default 'openid email profile'>"}
//       -> 200 {"access_token": "...", "expires_in": N, "scope": "..."}
//       (404 if the account is not in the accounts file).
//
// Prints "oidc-provider listening on <issuer>" once ready.

import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import process from 'node:process';

import Provider from 'oidc-provider';

function required(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`provider.mjs: environment variable ${name} is required`);
    process.exit(2);
  }
  return value;
}

function csv(value) {
  return (value || '').split(',').map((s) => s.trim()).filter(Boolean);
}

const PORT = Number.parseInt(required('OIDC_PORT'), 10);
const ISSUER = (process.env.OIDC_ISSUER || `http://127.0.0.1:${PORT}`).replace(/\/+$/, '');
const CLIENT_ID = required('OIDC_CLIENT_ID');
const CLIENT_SECRET = required('OIDC_CLIENT_SECRET');
const REDIRECT_URIS = csv(required('OIDC_REDIRECT_URIS'));
const POST_LOGOUT_REDIRECT_URIS = csv(process.env.OIDC_POST_LOGOUT_REDIRECT_URIS);
const ACCOUNTS_FILE = required('OIDC_ACCOUNTS_FILE');
const ACCESS_TOKEN_TTL = Number.parseInt(process.env.OIDC_ACCESS_TOKEN_TTL || '300', 10);

// Scope the RP must request; /test/token uses the same one by default.
const DEFAULT_SCOPE = 'openid email profile';

function loadAccounts() {
  try {
    return JSON.parse(readFileSync(ACCOUNTS_FILE, 'utf8') || '{}');
  } catch (err) {
    if (err.code === 'ENOENT') return {};
    throw err;
  }
}

function lookupAccount(id) {
  const accounts = loadAccounts();
  return Object.prototype.hasOwnProperty.call(accounts, id) ? accounts[id] : undefined;
}

async function findAccount(ctx, id) {
  // Re-read on every call: tests edit the file between logins / API calls.
  const record = lookupAccount(id);
  if (!record) return undefined;
  return {
    accountId: id,
    // The Claims mask filters this down to what the granted scopes allow.
    // `use` is 'id_token' or 'userinfo'. Claims named in the record's `_id_token_only` list are
    // left out of userinfo, as Cognito does with cognito:groups.
    async claims(use) {
      const { _id_token_only: idTokenOnly = [], ...claims } = record;
      if (use === 'userinfo') {
        for (const name of idTokenOnly) delete claims[name];
      }
      return { ...claims, sub: id };
    },
  };
}

// Auto-grant whatever OIDC scopes/claims the client requests (no consent screen).
async function loadExistingGrant(ctx) {
  const { oidc } = ctx;
  const accountId = oidc.session.accountId;
  const clientId = oidc.client.clientId;
  const grantId = oidc.result?.consent?.grantId || oidc.session.grantIdFor(clientId);

  let grant;
  if (grantId) {
    grant = await oidc.provider.Grant.find(grantId);
    if (grant && (grant.accountId !== accountId || grant.clientId !== clientId)) {
      grant = undefined;
    }
  }
  if (!grant) {
    grant = new oidc.provider.Grant({ accountId, clientId });
  }
  const scopes = [...oidc.requestParamOIDCScopes];
  if (scopes.length) grant.addOIDCScope(scopes.join(' '));
  const claims = [...oidc.requestParamClaims];
  if (claims.length) grant.addOIDCClaims(claims);
  await grant.save();
  return grant;
}

// Auto-confirm RP-initiated logout.
async function logoutSource(ctx, form) {
  ctx.body = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Logout Request</title></head>
<body>
${form}
<button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>
<script>
  (function () {
    var f = document.getElementById('op.logoutForm');
    var i = document.createElement('input');
    i.type = 'hidden'; i.name = 'logout'; i.value = 'yes';
    f.appendChild(i);
    f.submit();
  })();
</script>
</body></html>`;
}

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = {
  ...privateKey.export({ format: 'jwk' }),
  kid: `test-${randomUUID()}`,
  alg: 'RS256',
  use: 'sig',
};

const client = {
  client_id: CLIENT_ID,
  client_secret: CLIENT_SECRET,
  application_type: 'web',
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  redirect_uris: REDIRECT_URIS,
  // client_secret_basic is accepted too: oidc-provider treats the two secret
  // methods as interchangeable at the token endpoint.
  token_endpoint_auth_method: 'client_secret_post',
  id_token_signed_response_alg: 'RS256',
};
if (POST_LOGOUT_REDIRECT_URIS.length) {
  client.post_logout_redirect_uris = POST_LOGOUT_REDIRECT_URIS;
}

const configuration = {
  clients: [client],
  findAccount,
  loadExistingGrant,
  jwks: { keys: [signingKey] },
  cookies: { keys: ['alquimista-oidc-test-cookie-key-1', 'alquimista-oidc-test-cookie-key-2'] },
  claims: {
    openid: ['sub', 'groups', 'cognito:groups', 'custom:tenant_id'],
    email: ['email', 'email_verified'],
    profile: ['name', 'given_name', 'family_name', 'preferred_username'],
  },
  scopes: ['openid', 'offline_access', 'email', 'profile'],
  // Put scope-granted claims in the ID token too, not only in userinfo.
  conformIdTokenClaims: false,
  // Default is 15s of leeway, which would keep a ttl=1 token valid for ~16s.
  clockTolerance: 0,
  // PKCE optional (oidc-provider 8.x requires it by default for every client).
  pkce: { methods: ['S256'], required: () => false },
  ttl: {
    AccessToken: ACCESS_TOKEN_TTL,
    AuthorizationCode: 120,
    IdToken: 3600,
    Interaction: 3600,
    Session: 24 * 3600,
    Grant: 24 * 3600,
    RefreshToken: 24 * 3600,
  },
  features: {
    devInteractions: { enabled: true },
    introspection: { enabled: true },
    revocation: { enabled: true },
    rpInitiatedLogout: { enabled: true, logoutSource },
    userinfo: { enabled: true },
  },
  renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>oops! something went wrong</title></head>
<body><h1>oops! something went wrong</h1><pre id="error">${Object.entries(out)
      .map(([k, v]) => `${k}: ${String(v).replace(/[<>&]/g, '')}`).join('\n')}</pre></body></html>`;
  },
};

const provider = new Provider(ISSUER, configuration);

provider.on('server_error', (ctx, err) => {
  console.error('oidc-provider server_error', ctx?.path, err);
});

async function readJson(ctx) {
  const chunks = [];
  for await (const chunk of ctx.req) chunks.push(chunk);
  const raw = Buffer.concat(chunks).toString('utf8');
  return raw ? JSON.parse(raw) : {};
}

async function mintAccessToken({ account, ttl, scope }) {
  const theClient = await provider.Client.find(CLIENT_ID);
  const grant = new provider.Grant({ accountId: account, clientId: CLIENT_ID });
  grant.addOIDCScope(scope);
  const grantId = await grant.save();
  const expiresIn = ttl ? Number(ttl) : ACCESS_TOKEN_TTL;
  const token = new provider.AccessToken({
    accountId: account,
    client: theClient,
    grantId,
    gty: 'authorization_code',
    scope,
    expiresIn,
  });
  const value = await token.save();
  return { access_token: value, token_type: 'Bearer', expires_in: expiresIn, scope };
}

// Test-only routes, in front of the provider's own middleware.
provider.use(async (ctx, next) => {
  if (!ctx.path.startsWith('/test/')) {
    return next();
  }
  ctx.set('Cache-Control', 'no-store');
  try {
    if (ctx.path === '/test/health' && ctx.method === 'GET') {
      ctx.body = { status: 'ok', issuer: ISSUER };
      return undefined;
    }
    if (ctx.path === '/test/token' && ctx.method === 'POST') {
      const body = await readJson(ctx);
      const account = body.account;
      if (typeof account !== 'string' || !account) {
        ctx.status = 400;
        ctx.body = { error: 'account (string) is required' };
        return undefined;
      }
      if (!lookupAccount(account)) {
        ctx.status = 404;
        ctx.body = { error: `unknown account ${account}` };
        return undefined;
      }
      if (body.ttl !== undefined && body.ttl !== null
          && !(Number.isInteger(Number(body.ttl)) && Number(body.ttl) > 0)) {
        ctx.status = 400;
        ctx.body = { error: 'ttl must be a positive integer (seconds)' };
        return undefined;
      }
      ctx.body = await mintAccessToken({
        account,
        ttl: body.ttl,
        scope: typeof body.scope === 'string' && body.scope ? body.scope : DEFAULT_SCOPE,
      });
      return undefined;
    }
    ctx.status = 404;
    ctx.body = { error: 'not found' };
  } catch (err) {
    console.error('test route error', err);
    ctx.status = 500;
    ctx.body = { error: String(err?.message || err) };
  }
  return undefined;
});

const server = provider.listen(PORT, '127.0.0.1', () => {
  console.log(`oidc-provider listening on ${ISSUER}`);
});

function shutdown() {
  server.close();
  server.closeAllConnections?.();
  process.exit(0);
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
