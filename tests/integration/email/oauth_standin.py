"""A local stand-in for an OAuth2 provider (Google's or Microsoft's token service), on loopback.

It speaks the documented protocol: the authorization endpoint redirects back with a code (the
person who "signs in" is whoever the test says), the token endpoint trades codes (checking the
PKCE verifier against the challenge for real) and refresh tokens for access tokens, and an
introspection endpoint tells the test Dovecot whether an access token is live, so IMAP XOAUTH2
logins are decided by the tokens this server issued.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time as clock
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit


@dataclass
class Grant:
    client_id: str
    user: str
    redirect_uri: str = ""
    challenge: str = ""


@dataclass
class OAuthStandIn:
    clients: dict[str, str] = field(default_factory=dict)
    codes: dict[str, Grant] = field(default_factory=dict)
    access: dict[str, tuple[str, float]] = field(default_factory=dict)
    refresh: dict[str, Grant] = field(default_factory=dict)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    consenting_user: str = ""
    rotate_refresh_tokens: bool = False
    lifetime: int = 3600
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def base(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def register_client(self) -> tuple[str, str]:
        client_id, secret = f"client-{secrets.token_hex(4)}", secrets.token_urlsafe(16)
        self.clients[client_id] = secret
        return client_id, secret

    def issue_refresh_token(self, client_id: str, user: str) -> str:
        token = "rt-" + secrets.token_urlsafe(16)
        self.refresh[token] = Grant(client_id, user)
        return token

    def revoke_access_tokens(self) -> None:
        with self.lock:
            self.access.clear()

    # The endpoints.

    def authorize(self, query: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        redirect_uri = query.get("redirect_uri", "")
        if query.get("client_id") not in self.clients or not redirect_uri:
            return 400, {}, b"unknown client"
        if query.get("response_type") != "code" or query.get("code_challenge_method") != "S256":
            return 400, {}, b"code flow with PKCE S256 only"
        separator = "&" if "?" in redirect_uri else "?"
        if not self.consenting_user:
            answer = {"error": "access_denied", "error_description": "The user said no", "state": query.get("state", "")}
            return 302, {"Location": redirect_uri + separator + urlencode(answer)}, b""
        code = "code-" + secrets.token_urlsafe(12)
        self.codes[code] = Grant(query["client_id"], self.consenting_user, redirect_uri, query.get("code_challenge", ""))
        answer = {"code": code, "state": query.get("state", "")}
        return 302, {"Location": redirect_uri + separator + urlencode(answer)}, b""

    def token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        with self.lock:
            self.token_requests.append(form)
            client_id = form.get("client_id", "")
            if self.clients.get(client_id) != form.get("client_secret"):
                return 401, {"error": "invalid_client"}
            if form.get("grant_type") == "authorization_code":
                grant = self.codes.pop(form.get("code", ""), None)
                verifier = form.get("code_verifier", "")
                digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
                if (grant is None or grant.client_id != client_id or grant.redirect_uri != form.get("redirect_uri")
                        or digest != grant.challenge):
                    return 400, {"error": "invalid_grant", "error_description": "Bad code or verifier"}
                return 200, self._tokens(grant, new_refresh=True)
            if form.get("grant_type") == "refresh_token":
                grant = self.refresh.get(form.get("refresh_token", ""))
                if grant is None or grant.client_id != client_id:
                    return 400, {"error": "invalid_grant", "error_description": "Token has been expired or revoked."}
                if self.rotate_refresh_tokens:
                    del self.refresh[form["refresh_token"]]
                return 200, self._tokens(grant, new_refresh=self.rotate_refresh_tokens)
            return 400, {"error": "unsupported_grant_type"}

    def _tokens(self, grant: Grant, *, new_refresh: bool) -> dict[str, Any]:
        access = "ya29." + secrets.token_urlsafe(16)
        self.access[access] = (grant.user, clock.monotonic() + self.lifetime)
        answer: dict[str, Any] = {"access_token": access, "expires_in": self.lifetime, "token_type": "Bearer",
                                  "scope": "https://mail.google.com/"}
        if new_refresh:
            token = "rt-" + secrets.token_urlsafe(16)
            self.refresh[token] = Grant(grant.client_id, grant.user)
            answer["refresh_token"] = token
        return answer

    def introspect(self, form: dict[str, str]) -> dict[str, Any]:
        with self.lock:
            found = self.access.get(form.get("token", ""))
        if found is None or found[1] < clock.monotonic():
            return {"active": False}
        return {"active": True, "username": found[0]}

    def start(self) -> None:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None,
                      content_type: str = "application/json") -> None:
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                if parts.path != "/authorize":
                    self._send(404, b"{}")
                    return
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                status, headers, body = standin.authorize(query)
                self._send(status, body, headers, "text/plain")

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                path = urlsplit(self.path).path
                if path == "/token":
                    status, answer = standin.token(form)
                elif path == "/introspect":
                    status, answer = 200, standin.introspect(form)
                else:
                    status, answer = 404, {}
                self._send(status, json.dumps(answer).encode())

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True, name="oauth-standin").start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
