"""The gate on a real GrpcServer: bearer tokens, roles, tenant fields, open methods; and the
checks of the operator's key configuration."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import importlib
import json
import pkgutil
import time
from pathlib import Path
from types import SimpleNamespace

import grpc
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from google.protobuf import descriptor_pb2, descriptor_pool
from grpc_health.v1 import health_pb2, health_pb2_grpc

import servicehub
from servicehub.certification.v1 import certification_pb2 as pb
from servicehub.certification.v1 import certification_pb2_grpc
from servicehub.events.v1 import contract_pb2
from servicehub_localinfra.tokens import TokenIssuer
from servicehub_runtime import auth
from servicehub_runtime.auth import (
    AuthConfigurationError,
    Authentication,
    Caller,
    Gate,
    Tenant,
    TokenVerifier,
)
from servicehub_runtime.grpcserver import GrpcServer, GrpcService, NotFound

SERVICE = pb.DESCRIPTOR.services_by_name["CertificationService"]


class Servicer(certification_pb2_grpc.CertificationServiceServicer):
    """Answers with the verified caller, so tests see what the handler saw."""

    async def GetPartner(self, request, context):
        who = auth.caller()
        tenant = who.tenant.id if who.tenant else "*"
        return pb.GetPartnerResponse(
            partner=pb.Partner(partner_id=request.partner_id, name=f"{who.subject}|{who.role}|{tenant}")
        )

    async def GetApplication(self, request, context):
        auth.require_owner("partner_id", "partner-b", f"application {request.application_id}")
        return pb.GetApplicationResponse(application=pb.Application(partner_id="partner-b"))

    async def VerifyCertificate(self, request, context):
        return pb.VerifyCertificateResponse(status=pb.CERTIFICATE_STATUS_UNKNOWN)


@pytest.fixture
def issuer() -> TokenIssuer:
    return TokenIssuer()


def settings_for(issuer: TokenIssuer, directory: Path, **overrides) -> SimpleNamespace:
    values = {
        "auth_mode": "jwt",
        "auth_jwks_file": Path(issuer.env(directory)["AUTH_JWKS_FILE"]),
        "auth_public_key_file": None,
        "auth_issuer": issuer.issuer,
        "auth_audience": issuer.audience,
        "auth_leeway_seconds": 0.0,
    }
    return SimpleNamespace(**{**values, **overrides})


@pytest.fixture
async def stub(issuer: TokenIssuer, tmp_path: Path):
    gate = Gate(Authentication.from_settings(settings_for(issuer, tmp_path)), [SERVICE])
    service = GrpcService(
        SERVICE, Servicer(), certification_pb2_grpc.add_CertificationServiceServicer_to_server
    )
    server = GrpcServer("127.0.0.1", 0, [service], gate=gate)
    await server.start()
    async with grpc.aio.insecure_channel(server.address) as channel:
        channel.address = server.address
        yield certification_pb2_grpc.CertificationServiceStub(channel), channel
    await server.stop(grace=0)


def hs256(claims: dict, secret: bytes) -> str:
    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    header = json.dumps({"alg": "HS256", "typ": "JWT"}).encode()
    signing_input = f"{b64(header)}.{b64(json.dumps(claims).encode())}"
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


def bearer(token: str) -> tuple[tuple[str, str]]:
    return (("authorization", f"Bearer {token}"),)


async def refused(call, request, metadata=None) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call(request, metadata=metadata)
    return raised.value


async def test_a_valid_token_reaches_the_handler_as_the_caller(stub, issuer) -> None:
    client, _ = stub
    token = issuer.token("partner", subject="alice", partner_id="partner-a")
    response = await client.GetPartner(pb.GetPartnerRequest(partner_id="partner-a"), metadata=bearer(token))
    assert response.partner.name == "alice|partner|partner-a"


async def test_the_caller_acts_in_the_first_role_of_the_method_it_holds(stub, issuer) -> None:
    client, _ = stub
    token = issuer.token("operator", "reviewer", subject="bob")
    response = await client.GetPartner(pb.GetPartnerRequest(partner_id="any"), metadata=bearer(token))
    # GetPartner lists reviewer before operator; neither is scoped to a tenant.
    assert response.partner.name == "bob|reviewer|*"


async def test_no_token_is_unauthenticated_before_the_body_is_looked_at(stub) -> None:
    client, channel = stub
    error = await refused(client.GetPartner, pb.GetPartnerRequest(partner_id="x"))
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED
    assert "authorization: Bearer" in error.details()
    # A body that breaks the contract: still UNAUTHENTICATED, not INVALID_ARGUMENT.
    raw = channel.unary_unary(f"/{SERVICE.full_name}/GetPartner")
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await raw(b"\xff\xff\xff")
    assert raised.value.code() == grpc.StatusCode.UNAUTHENTICATED


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("expired", "expired"),
        ("not_yet_valid", "not yet valid"),
        ("wrong_audience", "Audience"),
        ("wrong_issuer", "issuer"),
        ("other_key", "not signed by a configured key"),
        ("hs256_with_public_key", "not accepted"),
        ("alg_none", "not accepted"),
        ("not_a_jwt", "not a JWT"),
        ("no_roles", "roles claim"),
        ("partner_without_partner_id", "partner_id"),
        ("basic_scheme", "Bearer"),
    ],
)
async def test_bad_tokens_are_unauthenticated(stub, issuer, case, expected) -> None:
    client, _ = stub
    now = int(time.time())
    other = TokenIssuer()
    jwks = issuer.jwks()["keys"][0]
    tokens = {
        "expired": issuer.token("operator", exp=now - 60),
        "not_yet_valid": issuer.token("operator", nbf=now + 600),
        "wrong_audience": issuer.token("operator", aud="another-system"),
        "wrong_issuer": issuer.token("operator", iss="https://evil.example"),
        "other_key": other.token("operator"),
        # The classic confusion: the public key used as an HMAC secret.
        "hs256_with_public_key": hs256(
            {"sub": "x", "roles": ["operator"], "iss": issuer.issuer, "aud": issuer.audience,
             "exp": now + 60},
            json.dumps(jwks).encode(),
        ),
        "alg_none": jwt.encode(
            {"sub": "x", "roles": ["operator"], "iss": issuer.issuer, "aud": issuer.audience,
             "exp": now + 60},
            None, algorithm="none",
        ),
        "not_a_jwt": "hello",
        "no_roles": issuer.token("operator", roles="operator"),
        "partner_without_partner_id": issuer.token("partner"),
    }
    metadata = (
        (("authorization", f"Basic {issuer.token('operator')}"),)
        if case == "basic_scheme" else bearer(tokens[case])
    )
    error = await refused(client.GetPartner, pb.GetPartnerRequest(partner_id="p"), metadata)
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED
    assert expected in error.details()


async def test_a_role_the_method_does_not_admit_is_permission_denied(stub, issuer) -> None:
    client, _ = stub
    token = issuer.token("customer", customer_id="c-1")
    error = await refused(client.GetPartner, pb.GetPartnerRequest(partner_id="p"), bearer(token))
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    assert "reviewer" in error.details()


async def test_another_tenant_in_the_tenant_field_is_not_found(stub, issuer) -> None:
    client, _ = stub
    token = issuer.token("partner", partner_id="partner-a")
    error = await refused(client.GetPartner, pb.GetPartnerRequest(partner_id="partner-b"), bearer(token))
    assert (error.code(), error.details()) == (grpc.StatusCode.NOT_FOUND, "partner_id 'partner-b' not found")


async def test_require_owner_hides_another_tenants_record(stub, issuer) -> None:
    client, _ = stub
    request = pb.GetApplicationRequest(application_id="a-1")
    mine = bearer(issuer.token("partner", partner_id="partner-b"))
    assert (await client.GetApplication(request, metadata=mine)).application.partner_id == "partner-b"
    theirs = bearer(issuer.token("partner", partner_id="partner-a"))
    error = await refused(client.GetApplication, request, theirs)
    assert (error.code(), error.details()) == (grpc.StatusCode.NOT_FOUND, "application a-1 not found")
    staff = bearer(issuer.token("reviewer"))
    assert (await client.GetApplication(request, metadata=staff)).application.partner_id == "partner-b"


async def test_a_channel_interceptor_sends_the_token(issuer, stub) -> None:
    _, channel = stub
    async with grpc.aio.insecure_channel(
        channel.address, interceptors=[issuer.interceptor("expert", subject="eve")]
    ) as with_token:
        client = certification_pb2_grpc.CertificationServiceStub(with_token)
        answer = await client.GetPartner(pb.GetPartnerRequest(partner_id="p"))
    assert answer.partner.name == "eve|expert|*"


async def test_a_synchronous_channel_interceptor_sends_the_token(issuer, stub) -> None:
    _, channel = stub

    def call() -> pb.GetPartnerResponse:
        with grpc.insecure_channel(channel.address) as plain:
            with_token = grpc.intercept_channel(plain, issuer.sync_interceptor("expert", subject="sam"))
            client = certification_pb2_grpc.CertificationServiceStub(with_token)
            return client.GetPartner(pb.GetPartnerRequest(partner_id="p"), timeout=5)

    answer = await asyncio.to_thread(call)
    assert answer.partner.name == "sam|expert|*"


async def test_public_methods_and_health_need_no_token(stub) -> None:
    client, channel = stub
    answer = await client.VerifyCertificate(pb.VerifyCertificateRequest(certificate_id="c"))
    assert answer.status == pb.CERTIFICATE_STATUS_UNKNOWN
    health = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest())
    assert health.status == health_pb2.HealthCheckResponse.NOT_SERVING


async def test_a_disabled_authentication_admits_as_the_local_caller() -> None:
    gate = Gate(Authentication.disabled(), [SERVICE])
    who = gate.admit(f"/{SERVICE.full_name}/RequestClarification", ())
    assert who == Caller(auth.LOCAL_CALLER_SUBJECT, "reviewer", None)


def test_a_service_method_without_an_access_option_stops_the_gate() -> None:
    health = health_pb2.DESCRIPTOR.services_by_name["Health"]
    with pytest.raises(ValueError, match="grpc.health.v1.Health.Check declares no access option"):
        Gate(Authentication.disabled(), [health])


def test_a_streaming_method_stops_the_gate_which_only_guards_unary_calls() -> None:
    file = descriptor_pb2.FileDescriptorProto(
        name="streaming_test.proto", package="streaming.test", dependency=["servicehub/events/v1/contract.proto"]
    )
    file.message_type.add(name="Empty")
    method = file.service.add(name="Streams").method.add(
        name="Watch", input_type=".streaming.test.Empty", output_type=".streaming.test.Empty",
        server_streaming=True,
    )
    method.options.Extensions[contract_pb2.access].roles.append("operator")
    pool = descriptor_pool.DescriptorPool()
    pool.AddSerializedFile(descriptor_pb2.DESCRIPTOR.serialized_pb)
    pool.AddSerializedFile(contract_pb2.DESCRIPTOR.serialized_pb)
    pool.Add(file)
    service = pool.FindServiceByName("streaming.test.Streams")
    with pytest.raises(ValueError, match="streaming.test.Streams.Watch: streaming methods are not admitted"):
        Gate(Authentication.disabled(), [service])


def test_every_rpc_of_every_servicehub_service_declares_its_access() -> None:
    services = [
        service
        for module in pkgutil.walk_packages(servicehub.__path__, "servicehub.")
        if module.name.endswith("_pb2")
        for service in importlib.import_module(module.name).DESCRIPTOR.services_by_name.values()
    ]
    assert {s.full_name for s in services} >= {
        "servicehub.intake.v1.IntakeService", "servicehub.sla.v1.SlaService",
        "servicehub.certification.v1.CertificationService", "servicehub.billing.v1.BillingService",
    }
    undeclared = []
    roles = {"partner", "customer", "reviewer", "expert", "sig-secretary", "community-operator",
             "operator", "integrator-system"}
    for service in services:
        for method in service.methods:
            options = method.GetOptions()
            if not options.HasExtension(contract_pb2.access):
                undeclared.append(method.full_name)
                continue
            access = options.Extensions[contract_pb2.access]
            assert access.public != bool(access.roles), method.full_name
            assert set(access.roles) <= roles, method.full_name
            if access.tenant_field:
                assert access.tenant_field in {"partner_id", "customer_id"}, method.full_name
                assert access.tenant_field in method.input_type.fields_by_name, method.full_name
    assert undeclared == []
    public = {
        m.full_name for s in services for m in s.methods
        if m.GetOptions().Extensions[contract_pb2.access].public
    }
    assert public == {
        "servicehub.certification.v1.CertificationService.VerifyCertificate",
        "servicehub.certification.v1.CertificationService.ListCertifiedProviders",
    }


def test_require_owner_outside_a_call_is_a_programming_error() -> None:
    with pytest.raises(RuntimeError):
        auth.require_owner("partner_id", "p", "x")


def test_require_owner_in_a_tenant_scope() -> None:
    with auth.acting_as(Caller("u", "customer", Tenant("customer_id", "c-1"))):
        auth.require_owner("customer_id", "c-1", "ticket t")
        with pytest.raises(NotFound, match="ticket t not found"):
            auth.require_owner("customer_id", "c-2", "ticket t")
        with pytest.raises(NotFound):
            auth.require_owner("partner_id", "c-1", "application a")


# ---------------------------------------------------------------------------- configuration


def write_pem(path: Path, *keys) -> Path:
    path.write_bytes(b"".join(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        for key in keys
    ))
    return path


def test_pem_files_hold_several_keys_for_a_rotation(tmp_path) -> None:
    old, new = rsa.generate_private_key(65537, 2048), ed25519.Ed25519PrivateKey.generate()
    keys = auth.load_pem_keys(write_pem(tmp_path / "keys.pem", old, new))
    verifier = TokenVerifier(keys, issuer="i", audience="a")
    claims = {"sub": "s", "iss": "i", "aud": "a", "exp": int(time.time()) + 60}
    assert verifier.claims(jwt.encode(claims, old, algorithm="RS256"))["sub"] == "s"
    assert verifier.claims(jwt.encode(claims, new, algorithm="EdDSA"))["sub"] == "s"


def test_keys_other_than_rsa_p256_and_ed25519_are_refused(tmp_path) -> None:
    p384 = ec.generate_private_key(ec.SECP384R1())
    with pytest.raises(AuthConfigurationError, match="AUTH_PUBLIC_KEY_FILE=.*not an RSA, EC P-256"):
        auth.load_pem_keys(write_pem(tmp_path / "k.pem", p384))


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"kty": "oct", "k": "c2VjcmV0"}, "symmetric"),
        ({**jwt.algorithms.ECAlgorithm.to_jwk(ec.generate_private_key(ec.SECP256R1()), as_dict=True)},
         "private key"),
    ],
)
def test_jwks_with_symmetric_or_private_keys_are_refused(tmp_path, entry, message) -> None:
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps({"keys": [entry]}))
    with pytest.raises(AuthConfigurationError, match=f"AUTH_JWKS_FILE=.*{message}"):
        auth.load_jwks(path)


@pytest.mark.parametrize(
    ("overrides", "variable"),
    [
        ({"auth_jwks_file": None}, "AUTH_JWKS_FILE or AUTH_PUBLIC_KEY_FILE is required"),
        ({"auth_issuer": ""}, "AUTH_ISSUER"),
        ({"auth_audience": ""}, "AUTH_AUDIENCE"),
        ({"auth_jwks_file": Path("/nonexistent/jwks.json")}, "AUTH_JWKS_FILE=/nonexistent"),
    ],
)
def test_incomplete_settings_name_the_variable(issuer, tmp_path, overrides, variable) -> None:
    with pytest.raises(AuthConfigurationError, match=variable):
        Authentication.from_settings(settings_for(issuer, tmp_path, **overrides))


def test_disabled_authentication_is_logged_as_a_warning(issuer, tmp_path, caplog) -> None:
    settings = settings_for(issuer, tmp_path, auth_mode="disabled")
    assert Authentication.from_settings(settings).verifier is None
    assert [r.levelname for r in caplog.records] == ["WARNING"]
    assert "AUTH_MODE=disabled" in caplog.text


def test_a_token_is_verified_once_and_again_after_it_expired(issuer, tmp_path, monkeypatch) -> None:
    verifier = Authentication.from_settings(settings_for(issuer, tmp_path)).verifier
    decoded = []
    decode = auth.jwt.decode
    monkeypatch.setattr(auth.jwt, "decode", lambda *a, **k: decoded.append(1) or decode(*a, **k))
    token = issuer.token("operator", lifetime_seconds=60)
    assert verifier.claims(token)["roles"] == verifier.claims(token)["roles"] == ["operator"]
    assert len(decoded) == 1
    later = time.time() + 60 + 31  # past exp and the 30 s leeway
    monkeypatch.setattr(auth.time, "time", lambda: later)
    verifier.claims(token)  # still valid to jwt's own clock, but verified again
    assert len(decoded) == 2


def test_remembered_tokens_are_bounded(issuer, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(auth, "MAX_REMEMBERED_TOKENS", 3)
    verifier = Authentication.from_settings(settings_for(issuer, tmp_path)).verifier
    tokens = [issuer.token("operator") for _ in range(5)]
    for token in tokens:
        verifier.claims(token)
    assert list(verifier._verified) == tokens[2:]
