"""Who is calling, and may they: bearer tokens and each method's access option.

Every gRPC call but health, reflection and the methods declared `public` must bring
`authorization: Bearer <JWT>`. The token is verified with PyJWT against the operator's public
keys (a JWKS file and/or PEM file; asymmetric algorithms only), with expiry, not-before,
issuer and audience checked. Its claims: `sub` (who), `roles` (list of role names), and for
a tenant role its tenant id (`partner_id` for "partner", `customer_id` for "customer").

Each method's `servicehub.events.v1.access` option (proto/) says which roles may call it and,
optionally, which request field names the tenant. The gate answers UNAUTHENTICATED for a
missing or bad token, PERMISSION_DENIED for a role the method does not admit, and NOT_FOUND
— as for an unknown id — when a partner or customer names another tenant. Methods that take
a record id check its owner after loading it with `require_owner`. The verified `Caller` is
in a context variable for the handler (`caller()`): commands record it as their actor.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from google.protobuf.descriptor import ServiceDescriptor

from servicehub.events.v1 import contract_pb2

from .grpcserver import NotFound, PermissionDenied, Unauthenticated

log = logging.getLogger(__name__)

ALGORITHMS = ("RS256", "ES256", "EdDSA")
# The tenant roles and the claim (and request field) holding their tenant id.
TENANT_CLAIMS = {"partner": "partner_id", "customer": "customer_id"}
# Standard services every server carries; they answer without a token.
OPEN_SERVICES = frozenset({"grpc.health.v1.Health", "grpc.reflection.v1alpha.ServerReflection"})
# Verified tokens remembered (until they expire), at most this many.
MAX_REMEMBERED_TOKENS = 1024


class AuthConfigurationError(Exception):
    """The authentication settings are unusable; the message names the variable."""


@dataclass(frozen=True)
class Tenant:
    """The partner or customer a token is scoped to: the claim name and its value."""

    field: str
    id: str


@dataclass(frozen=True)
class Caller:
    """The verified caller of the current call: token subject, the role it acts in (the
    first of the method's roles it holds), and its tenant (None: sees every tenant)."""

    subject: str
    role: str
    tenant: Tenant | None


# Every role, tenant-free: the caller when authentication is disabled for local runs.
LOCAL_CALLER_SUBJECT = "local-unauthenticated"

_caller: contextvars.ContextVar[Caller | None] = contextvars.ContextVar("caller", default=None)


def caller() -> Caller:
    """The current call's verified caller; only inside a gRPC handler (or `acting_as`)."""
    current = _caller.get()
    if current is None:
        raise RuntimeError("no caller: called outside an admitted gRPC call")
    return current


@contextlib.contextmanager
def acting_as(who: Caller) -> Iterator[Caller]:
    """Runs the block as `who` (the gate uses it per call; tests calling handlers directly)."""
    token = _caller.set(who)
    try:
        yield who
    finally:
        _caller.reset(token)


def require_owner(field: str, owner_id: str, what: str) -> None:
    """NotFound(`what`) unless the caller may see a record owned by `owner_id` (a partner or
    customer id, per `field`): the same answer as for a record that does not exist."""
    tenant = caller().tenant
    if tenant is not None and tenant != Tenant(field, owner_id):
        raise NotFound(f"{what} not found")


# ---------------------------------------------------------------------------- tokens


@dataclass(frozen=True)
class _Key:
    kid: str | None
    algorithm: str
    key: Any


def _algorithm_of(key: Any, source: str) -> str:
    if isinstance(key, rsa.RSAPublicKey):
        return "RS256"
    if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
        return "ES256"
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "EdDSA"
    raise AuthConfigurationError(
        f"{source}: {type(key).__name__} is not an RSA, EC P-256 or Ed25519 public key"
    )


def load_pem_keys(path: Path, variable: str = "AUTH_PUBLIC_KEY_FILE") -> list[_Key]:
    """Every PEM public key in the file (several during a key rotation)."""
    try:
        text = path.read_text()
    except OSError as error:
        raise AuthConfigurationError(f"{variable}={path}: {error.strerror}") from None
    blocks = [
        "-----BEGIN PUBLIC KEY-----" + block.split("-----END PUBLIC KEY-----")[0]
        + "-----END PUBLIC KEY-----\n"
        for block in text.split("-----BEGIN PUBLIC KEY-----")[1:]
    ]
    if not blocks:
        raise AuthConfigurationError(f"{variable}={path}: no '-----BEGIN PUBLIC KEY-----' block")
    keys = []
    for number, block in enumerate(blocks, 1):
        try:
            key = load_pem_public_key(block.encode())
        except ValueError as error:
            raise AuthConfigurationError(f"{variable}={path}: key {number}: {error}") from None
        keys.append(_Key(None, _algorithm_of(key, f"{variable}={path}: key {number}"), key))
    return keys


def load_jwks(path: Path, variable: str = "AUTH_JWKS_FILE") -> list[_Key]:
    """The public keys of a JWKS file; symmetric or private keys are refused."""
    try:
        document = json.loads(path.read_text())
    except OSError as error:
        raise AuthConfigurationError(f"{variable}={path}: {error.strerror}") from None
    except json.JSONDecodeError as error:
        raise AuthConfigurationError(f"{variable}={path}: not JSON ({error})") from None
    return jwks_keys(document, f"{variable}={path}")


def jwks_keys(document: Any, source: str = "JWKS") -> list[_Key]:
    """The public keys of a JWK Set document."""
    entries = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(entries, list) or not entries:
        raise AuthConfigurationError(f"{source}: no \"keys\" list")
    keys = []
    for number, entry in enumerate(entries, 1):
        where = f"{source}: key {number}"
        if not isinstance(entry, dict):
            raise AuthConfigurationError(f"{where}: not an object")
        if entry.get("kty") == "oct":
            raise AuthConfigurationError(f"{where}: symmetric (oct) keys are not accepted")
        if "d" in entry:
            raise AuthConfigurationError(f"{where}: holds a private key; give the public part")
        try:
            key = jwt.PyJWK.from_dict(entry).key
        except jwt.PyJWKError as error:
            raise AuthConfigurationError(f"{where}: {error}") from None
        algorithm = _algorithm_of(key, where)
        if entry.get("alg", algorithm) != algorithm:
            raise AuthConfigurationError(f"{where}: alg {entry['alg']!r} is not accepted")
        keys.append(_Key(entry.get("kid"), algorithm, key))
    return keys


class TokenVerifier:
    """Verifies bearer JWTs: signature by one of the keys, exp, nbf, iss and aud."""

    def __init__(
        self, keys: Sequence[_Key], *, issuer: str, audience: str, leeway_seconds: float = 30.0
    ) -> None:
        self._keys = list(keys)
        self._issuer = issuer
        self._audience = audience
        self._leeway = leeway_seconds
        # A client sends the same token with every call until it expires, and checking its
        # signature again cost a tenth of a query's CPU: verified claims are kept, keyed by
        # the token's exact text, until the token's exp (+ leeway). Used from the event loop.
        self._verified: dict[str, tuple[float, dict[str, Any]]] = {}

    def claims(self, token: str) -> dict[str, Any]:
        """The token's verified claims, or Unauthenticated saying what is wrong."""
        remembered = self._verified.get(token)
        if remembered is not None and time.time() < remembered[0]:
            return remembered[1]
        claims = self._verify(token)
        if len(self._verified) >= MAX_REMEMBERED_TOKENS:
            del self._verified[next(iter(self._verified))]  # the oldest
        self._verified[token] = (float(claims["exp"]) + self._leeway, claims)
        return claims

    def _verify(self, token: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError:
            raise Unauthenticated("the bearer token is not a JWT") from None
        algorithm = header.get("alg")
        if algorithm not in ALGORITHMS:
            raise Unauthenticated(f"token algorithm {str(algorithm)[:20]!r} is not accepted")
        kid = header.get("kid")
        candidates = [
            k for k in self._keys
            if k.algorithm == algorithm and (kid is None or k.kid is None or k.kid == kid)
        ]
        for key in candidates:
            try:
                return jwt.decode(
                    token,
                    key.key,
                    algorithms=[algorithm],
                    audience=self._audience,
                    issuer=self._issuer,
                    leeway=self._leeway,
                    options={"require": ["exp", "iss", "aud", "sub"]},
                )
            except jwt.InvalidSignatureError:
                continue
            except jwt.InvalidTokenError as error:
                raise Unauthenticated(f"bad token: {error}") from None
        raise Unauthenticated("the token is not signed by a configured key")


@dataclass(frozen=True)
class Authentication:
    """How callers are authenticated; `verifier` None means disabled (local runs only)."""

    verifier: TokenVerifier | None

    @classmethod
    def disabled(cls) -> Authentication:
        return cls(None)

    @classmethod
    def from_jwks(cls, document: Any, *, issuer: str, audience: str) -> Authentication:
        """Verifying against the keys of a JWK Set document (tests: a TokenIssuer's)."""
        return cls(TokenVerifier(jwks_keys(document), issuer=issuer, audience=audience))

    @classmethod
    def from_settings(cls, settings: Any) -> Authentication:
        """From the AUTH_* settings; AuthConfigurationError names the variable at fault."""
        if settings.auth_mode == "disabled":
            log.warning(
                "AUTH_MODE=disabled: every gRPC call is admitted without a token, with every"
                " role — for local development only"
            )
            return cls.disabled()
        keys: list[_Key] = []
        if settings.auth_jwks_file is not None:
            keys += load_jwks(settings.auth_jwks_file)
        if settings.auth_public_key_file is not None:
            keys += load_pem_keys(settings.auth_public_key_file)
        if not keys:
            raise AuthConfigurationError(
                "AUTH_JWKS_FILE or AUTH_PUBLIC_KEY_FILE is required (or AUTH_MODE=disabled"
                " for local development)"
            )
        for variable in ("auth_issuer", "auth_audience"):
            if not getattr(settings, variable):
                raise AuthConfigurationError(f"{variable.upper()} is required with AUTH_MODE=jwt")
        return cls(
            TokenVerifier(
                keys,
                issuer=settings.auth_issuer,
                audience=settings.auth_audience,
                leeway_seconds=settings.auth_leeway_seconds,
            )
        )


# ---------------------------------------------------------------------------- the gate


def access_of(service: ServiceDescriptor) -> dict[str, contract_pb2.Access]:
    """The access option of each method, by gRPC path; ValueError naming a method without."""
    table = {}
    for method in service.methods:
        options = method.GetOptions()
        if not options.HasExtension(contract_pb2.access):
            raise ValueError(
                f"{method.full_name} declares no access option"
                " (proto: option (servicehub.events.v1.access) = {...})"
            )
        if method.client_streaming or method.server_streaming:
            # The gate sits in the unary-unary path (grpcserver); a stream would bypass it.
            raise ValueError(f"{method.full_name}: streaming methods are not admitted by the gate")
        access = options.Extensions[contract_pb2.access]
        if not access.public and not access.roles:
            raise ValueError(f"{method.full_name}: access names no roles and is not public")
        table[f"/{service.full_name}/{method.name}"] = access
    return table


class Gate:
    """Admits or refuses each call by its method's access option (grpcserver.CallGate)."""

    def __init__(self, authentication: Authentication, services: Iterable[ServiceDescriptor]) -> None:
        self._verifier = authentication.verifier
        self._access: dict[str, contract_pb2.Access] = {}
        for service in services:
            self._access.update(access_of(service))

    def admit(self, method: str, metadata: Sequence[tuple[str, Any]]) -> Caller | None:
        """The caller of `method` (None for open methods), or Unauthenticated or
        PermissionDenied."""
        access = self._access.get(method)
        if access is None:
            if method.split("/")[1] in OPEN_SERVICES:
                return None
            # Not one of ours: grpc answers UNIMPLEMENTED; nothing to admit.
            raise PermissionDenied(f"{method} is not served here")
        if access.public:
            return None
        if self._verifier is None:
            return Caller(LOCAL_CALLER_SUBJECT, access.roles[0], None)
        claims = self._verifier.claims(_bearer_token(metadata))
        held = claims.get("roles")
        if not isinstance(held, list):
            raise Unauthenticated("the token has no roles claim (a list of role names)")
        role = next((r for r in access.roles if r in held), None)
        if role is None:
            raise PermissionDenied(
                f"{method.rsplit('/', 1)[1]} needs one of the roles {', '.join(access.roles)}"
            )
        subject = claims["sub"]
        if not isinstance(subject, str) or not subject.strip() or len(subject) > 128:
            raise Unauthenticated("the token's sub must be 1–128 characters")
        tenant = None
        if role in TENANT_CLAIMS:
            claim = TENANT_CLAIMS[role]
            tenant_id = claims.get(claim)
            if not isinstance(tenant_id, str) or not tenant_id:
                raise Unauthenticated(f"a {role} token must carry its {claim}")
            tenant = Tenant(claim, tenant_id)
        return Caller(subject, role, tenant)

    acting_as = staticmethod(acting_as)

    def check_request(self, method: str, who: Caller | None, request: Any) -> None:
        """NotFound when a tenant caller names another tenant in the method's tenant field."""
        access = self._access.get(method)
        if who is None or who.tenant is None or access is None or not access.tenant_field:
            return
        named = getattr(request, access.tenant_field)
        if who.tenant != Tenant(access.tenant_field, named):
            raise NotFound(f"{access.tenant_field} {named[:128]!r} not found")


def _bearer_token(metadata: Sequence[tuple[str, Any]]) -> str:
    values = [value for name, value in metadata if name == "authorization"]
    if not values:
        raise Unauthenticated("no bearer token: send metadata 'authorization: Bearer <JWT>'")
    if len(values) > 1:
        raise Unauthenticated("more than one authorization metadata entry")
    value = values[0]
    if isinstance(value, bytes):
        value = value.decode(errors="replace")
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("the authorization metadata must be 'Bearer <JWT>'")
    return token.strip()
