"""A throw-away token issuer for tests and local runs: an EC P-256 key pair whose public half
is a JWKS the services verify against (AUTH_JWKS_FILE), and bearer tokens minted with its
private half."""

from __future__ import annotations

import json
import time
import uuid
from collections import namedtuple
from collections.abc import Callable
from pathlib import Path
from typing import Any

import grpc
import jwt
from cryptography.hazmat.primitives.asymmetric import ec

ISSUER = "https://issuer.servicehub.test"
AUDIENCE = "servicehub"


class TokenIssuer:
    def __init__(self, *, issuer: str = ISSUER, audience: str = AUDIENCE) -> None:
        self.issuer = issuer
        self.audience = audience
        self.kid = uuid.uuid4().hex[:16]
        self._private = ec.generate_private_key(ec.SECP256R1())

    def jwks(self) -> dict[str, Any]:
        """The public key as a JWK Set."""
        public = jwt.algorithms.ECAlgorithm.to_jwk(self._private.public_key(), as_dict=True)
        return {"keys": [{**public, "kid": self.kid, "alg": "ES256", "use": "sig"}]}

    def env(self, directory: Path) -> dict[str, str]:
        """Writes the JWKS file into `directory`; the AUTH_* variables a service needs to
        accept this issuer's tokens."""
        jwks_file = directory / "jwks.json"
        jwks_file.write_text(json.dumps(self.jwks()))
        return {
            "AUTH_MODE": "jwt",
            "AUTH_JWKS_FILE": str(jwks_file),
            "AUTH_ISSUER": self.issuer,
            "AUTH_AUDIENCE": self.audience,
        }

    def token(
        self,
        *roles: str,
        subject: str | None = None,
        lifetime_seconds: float = 3600,
        **claims: Any,
    ) -> str:
        """A signed token holding `roles` and any further claims (partner_id, customer_id;
        `exp`, `iss`, `aud` or `nbf` replace the defaults)."""
        now = int(time.time())
        payload = {
            "sub": subject or f"user-{uuid.uuid4().hex[:8]}",
            "roles": list(roles),
            "iss": self.issuer,
            "aud": self.audience,
            "iat": now,
            "nbf": now,
            "exp": now + int(lifetime_seconds),
            **claims,
        }
        return jwt.encode(payload, self._private, algorithm="ES256", headers={"kid": self.kid})

    def metadata(self, *roles: str, **claims: Any) -> tuple[tuple[str, str], ...]:
        """gRPC call metadata carrying a fresh token."""
        return (("authorization", f"Bearer {self.token(*roles, **claims)}"),)

    def interceptor(self, *roles: str, **claims: Any) -> grpc.aio.UnaryUnaryClientInterceptor:
        """For a channel: every call without its own authorization metadata carries a fresh
        token with `roles` and `claims`."""
        return _Bearer(lambda: self.token(*roles, **claims))

    def sync_interceptor(self, *roles: str, **claims: Any) -> grpc.UnaryUnaryClientInterceptor:
        """The same for a synchronous channel (`grpc.intercept_channel`)."""
        return _SyncBearer(lambda: self.token(*roles, **claims))


class _Bearer(grpc.aio.UnaryUnaryClientInterceptor):
    def __init__(self, token: Callable[[], str]) -> None:
        self._token = token

    async def intercept_unary_unary(self, continuation, details, request):
        metadata = list(details.metadata or ())
        if not any(name == "authorization" for name, _ in metadata):
            metadata.append(("authorization", f"Bearer {self._token()}"))
        return await continuation(details._replace(metadata=metadata), request)


class _CallDetails(
    namedtuple(
        "_CallDetails",
        ("method", "timeout", "metadata", "credentials", "wait_for_ready", "compression"),
    ),
    grpc.ClientCallDetails,
):
    pass


class _SyncBearer(grpc.UnaryUnaryClientInterceptor):
    def __init__(self, token: Callable[[], str]) -> None:
        self._token = token

    def intercept_unary_unary(self, continuation, details, request):
        metadata = list(details.metadata or ())
        if not any(name == "authorization" for name, _ in metadata):
            metadata.append(("authorization", f"Bearer {self._token()}"))
        return continuation(
            _CallDetails(
                details.method, details.timeout, metadata, details.credentials,
                details.wait_for_ready, details.compression,
            ),
            request,
        )
