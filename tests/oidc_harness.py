"""Real OpenID Connect provider for end-to-end SSO tests.

Starts ``node tests/oidc/provider.mjs`` (npm package ``oidc-provider`` 8.x, a devDependency:
run ``npm install`` at the repo root first) on 127.0.0.1 and wraps it in :class:`OidcProvider`.

Use from a test module or a conftest::

    from tests.oidc_harness import oidc_provider_factory  # noqa: F401  (fixture)

    def test_sso(oidc_provider_factory, live_server, tmp_path, settings):
        op = oidc_provider_factory([f"{live_server.url}/oidc/callback/"], tmp_path)
        op.set_account("alice", {"email": "alice@acme.test", "email_verified": True,
                                 "name": "Alice", "groups": ["INTERNAL_SUPPORT"],
                                 "cognito:groups": ["INTERNAL_SUPPORT"],
                                 "custom:tenant_id": "acme"})
        for name, value in op.settings_overrides().items():
            setattr(settings, name, value)
        token = op.mint_access_token("alice")          # bearer token for API tests

Browser login: the OP's login page has ``input[name="login"]`` (the account id),
``input[name="password"]`` (anything) and a submit button with text ``Sign-in``; there is no
consent page. The accounts file is re-read on every lookup, so ``set_account`` /
``remove_account`` take effect on the next login or userinfo call (removed account -> 401).

The RP must request scope ``openid email profile`` (``OIDC_RP_SCOPES``); ``groups``,
``cognito:groups`` and ``custom:tenant_id`` ride on the ``openid`` scope and are in both the
ID token and the userinfo response, except claims named in the account's ``_id_token_only``
list (e.g. ``["cognito:groups"]``, as Cognito does), which are in the ID token only.
:meth:`OidcProvider.sign_in` logs in without a browser (authorization-code flow with requests). PKCE is optional; client_secret_post (the
mozilla-django-oidc default) and client_secret_basic (``OIDC_TOKEN_USE_BASIC_AUTH``) both work.

Only the standard library, ``requests`` and ``pytest`` are used here.
"""

from __future__ import annotations

import atexit
import json
import os
import secrets
import shutil
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests

REPO_ROOT = Path(__file__).resolve().parent.parent
PROVIDER_SCRIPT = REPO_ROOT / "tests" / "oidc" / "provider.mjs"
OIDC_SCOPES = "openid email profile"
DEFAULT_CLIENT_ID = "alquimista-ops-test"

__all__ = [
    "OIDC_SCOPES",
    "OidcProvider",
    "OidcProviderError",
    "oidc_provider_factory",
    "start_oidc_provider",
]


class OidcProviderError(RuntimeError):
    """The provider process could not be started or answered unexpectedly."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class OidcProvider:
    """A running ``tests/oidc/provider.mjs`` process and its client registration."""

    def __init__(
        self,
        *,
        issuer: str,
        port: int,
        client_id: str,
        client_secret: str,
        redirect_uris: list[str],
        accounts_file: Path,
        log_file: Path,
        process: subprocess.Popen,
    ) -> None:
        self.issuer = issuer
        self.port = port
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uris = list(redirect_uris)
        self.accounts_file = accounts_file
        self.log_file = log_file
        self.process = process
        self.authorization_endpoint = ""
        self.token_endpoint = ""
        self.userinfo_endpoint = ""
        self.jwks_endpoint = ""
        self.end_session_endpoint = ""
        self.discovery: dict = {}

    # -- lifecycle -------------------------------------------------------------------------

    def _wait_until_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise OidcProviderError(
                    f"oidc provider exited with {self.process.returncode} before becoming ready:\n{self.log_text()}"
                )
            try:
                response = requests.get(f"{self.issuer}/test/health", timeout=1)
                if response.status_code == 200:
                    break
            except requests.RequestException as exc:  # not listening yet
                last_error = exc
            time.sleep(0.1)
        else:
            self.stop()
            raise OidcProviderError(f"oidc provider not ready after {timeout}s ({last_error}):\n{self.log_text()}")
        response = requests.get(f"{self.issuer}/.well-known/openid-configuration", timeout=5)
        response.raise_for_status()
        self.discovery = response.json()
        self.authorization_endpoint = self.discovery["authorization_endpoint"]
        self.token_endpoint = self.discovery["token_endpoint"]
        self.userinfo_endpoint = self.discovery["userinfo_endpoint"]
        self.jwks_endpoint = self.discovery["jwks_uri"]
        self.end_session_endpoint = self.discovery.get("end_session_endpoint", "")

    def stop(self) -> None:
        """Terminate the provider process (idempotent)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def log_text(self) -> str:
        try:
            return self.log_file.read_text(errors="replace")
        except OSError:
            return ""

    # -- accounts --------------------------------------------------------------------------

    def _read_accounts(self) -> dict:
        try:
            return json.loads(self.accounts_file.read_text() or "{}")
        except FileNotFoundError:
            return {}

    def _write_accounts(self, accounts: dict) -> None:
        # Atomic replace: the provider re-reads the file on every lookup.
        tmp = self.accounts_file.with_name(self.accounts_file.name + ".tmp")
        tmp.write_text(json.dumps(accounts, indent=2))
        os.replace(tmp, self.accounts_file)

    def accounts(self) -> dict:
        return self._read_accounts()

    def set_account(self, account_id: str, claims: dict) -> None:
        """Create or replace an account. ``claims`` e.g. email, email_verified, name, groups,
        ``cognito:groups``, ``custom:tenant_id``; ``sub`` is always the account id."""
        accounts = self._read_accounts()
        accounts[account_id] = dict(claims)
        self._write_accounts(accounts)

    def remove_account(self, account_id: str) -> None:
        accounts = self._read_accounts()
        accounts.pop(account_id, None)
        self._write_accounts(accounts)

    # -- tokens ----------------------------------------------------------------------------

    def mint_access_token(self, account_id: str, ttl: int | None = None) -> str:
        """A real opaque access token (scope ``openid email profile``) for the configured
        client, valid at the userinfo endpoint for ``ttl`` seconds (default: the provider's
        access-token TTL)."""
        payload: dict = {"account": account_id}
        if ttl is not None:
            payload["ttl"] = int(ttl)
        response = requests.post(f"{self.issuer}/test/token", json=payload, timeout=5)
        if response.status_code != 200:
            raise OidcProviderError(f"/test/token answered {response.status_code}: {response.text}")
        return response.json()["access_token"]

    def userinfo(self, access_token: str) -> requests.Response:
        """GET the userinfo endpoint with a bearer token (convenience for assertions)."""
        return requests.get(
            self.userinfo_endpoint,
            headers={"Authorization": f"Bearer {access_token}"},
            timeout=5,
        )

    def sign_in(self, authorization_url: str, account_id: str, session: requests.Session | None = None) -> str:
        """Log ``account_id`` in at the provider without a browser, starting from the RP's
        redirect to the authorization endpoint; returns the provider's redirect back to the RP
        (a redirect URI with ``code`` and ``state``), not followed. Pass ``session`` to keep the
        provider's cookies (its login session) for later requests."""
        session = session if session is not None else requests.Session()
        url = authorization_url
        for _step in range(10):
            if any(url.startswith(uri) for uri in self.redirect_uris):
                return url
            response = session.get(url, allow_redirects=False, timeout=5)
            if response.is_redirect:
                url = urljoin(url, response.headers["Location"])
            elif response.status_code == 200 and "/interaction/" in url:
                answer = session.post(
                    url,
                    data={"prompt": "login", "login": account_id, "password": "anything"},
                    allow_redirects=False,
                    timeout=5,
                )
                if not answer.is_redirect:
                    raise OidcProviderError(f"login at {url} answered {answer.status_code}: {answer.text[:500]}")
                url = urljoin(url, answer.headers["Location"])
            else:
                raise OidcProviderError(f"{url} answered {response.status_code}: {response.text[:500]}")
        raise OidcProviderError(f"no redirect back to the RP from {authorization_url}")

    # -- RP configuration ------------------------------------------------------------------

    def settings_overrides(self) -> dict:
        """Django settings for mozilla-django-oidc pointing at this provider."""
        return {
            "OIDC_RP_CLIENT_ID": self.client_id,
            "OIDC_RP_CLIENT_SECRET": self.client_secret,
            "OIDC_OP_AUTHORIZATION_ENDPOINT": self.authorization_endpoint,
            "OIDC_OP_TOKEN_ENDPOINT": self.token_endpoint,
            "OIDC_OP_USER_ENDPOINT": self.userinfo_endpoint,
            "OIDC_OP_JWKS_ENDPOINT": self.jwks_endpoint,
            "OIDC_RP_SIGN_ALGO": "RS256",
            "OIDC_RP_SCOPES": OIDC_SCOPES,
        }

    def env_overrides(self) -> dict[str, str]:
        """The same as :meth:`settings_overrides`, as environment variables (str values)."""
        return {name: str(value) for name, value in self.settings_overrides().items()}

    def __repr__(self) -> str:
        state = "running" if self.running else f"exited({self.process.returncode})"
        return f"<OidcProvider {self.issuer} client_id={self.client_id} {state}>"


def start_oidc_provider(
    redirect_uris: list[str],
    tmp_dir: Path,
    access_token_ttl: int = 300,
    *,
    post_logout_redirect_uris: list[str] | None = None,
) -> OidcProvider:
    """Start a provider on a free 127.0.0.1 port with an empty accounts file in ``tmp_dir``
    and one confidential client allowed to use ``redirect_uris``. Call ``stop()`` when done
    (the ``oidc_provider_factory`` fixture does it for you)."""
    node = shutil.which("node")
    if node is None:
        raise OidcProviderError("node is not on PATH; the OIDC test provider needs Node.js")
    if not (REPO_ROOT / "node_modules" / "oidc-provider").is_dir():
        raise OidcProviderError(f"npm package oidc-provider missing: run `npm install` in {REPO_ROOT}")
    tmp_dir = Path(tmp_dir)
    tmp_dir.mkdir(parents=True, exist_ok=True)

    last_error: OidcProviderError | None = None
    for _attempt in range(3):  # retry if the free port got taken in between
        port = _free_port()
        issuer = f"http://127.0.0.1:{port}"
        accounts_file = tmp_dir / f"oidc-accounts-{port}.json"
        accounts_file.write_text("{}")
        log_file = tmp_dir / f"oidc-provider-{port}.log"
        client_id = DEFAULT_CLIENT_ID
        client_secret = secrets.token_urlsafe(24)
        env = {
            **os.environ,
            "OIDC_PORT": str(port),
            "OIDC_ISSUER": issuer,
            "OIDC_CLIENT_ID": client_id,
            "OIDC_CLIENT_SECRET": client_secret,
            "OIDC_REDIRECT_URIS": ",".join(redirect_uris),
            "OIDC_POST_LOGOUT_REDIRECT_URIS": ",".join(post_logout_redirect_uris or []),
            "OIDC_ACCOUNTS_FILE": str(accounts_file),
            "OIDC_ACCESS_TOKEN_TTL": str(int(access_token_ttl)),
        }
        env.pop("NODE_OPTIONS", None)
        with open(log_file, "wb") as log:
            process = subprocess.Popen(
                [node, str(PROVIDER_SCRIPT)],
                cwd=REPO_ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        provider = OidcProvider(
            issuer=issuer,
            port=port,
            client_id=client_id,
            client_secret=client_secret,
            redirect_uris=redirect_uris,
            accounts_file=accounts_file,
            log_file=log_file,
            process=process,
        )
        atexit.register(provider.stop)
        try:
            provider._wait_until_ready()
        except OidcProviderError as exc:
            provider.stop()
            last_error = exc
            if "EADDRINUSE" in provider.log_text():
                continue
            raise
        return provider
    raise last_error or OidcProviderError("could not start the oidc provider")


@pytest.fixture(scope="session")
def oidc_provider_factory():
    """Yields ``start_oidc_provider``; every provider it started is stopped at session end."""
    started: list[OidcProvider] = []

    def factory(
        redirect_uris: list[str],
        tmp_dir: Path,
        access_token_ttl: int = 300,
        **kwargs,
    ) -> OidcProvider:
        provider = start_oidc_provider(redirect_uris, tmp_dir, access_token_ttl, **kwargs)
        started.append(provider)
        return provider

    yield factory
    for provider in started:
        provider.stop()
