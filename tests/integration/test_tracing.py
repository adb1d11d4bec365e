"""One trace follows a submission: intake gRPC server → produce → certification consume → record."""

from __future__ import annotations

import secrets

from opentelemetry.proto.trace.v1.trace_pb2 import Span

from servicehub.certification.v1 import certification_pb2
from servicehub.events.v1 import intake_pb2 as events
from servicehub.intake.v1 import intake_pb2


async def test_one_trace_across_intake_and_certification(clients, helpers, trace_receiver):
    receiver, _ = trace_receiver
    trace_id = secrets.token_hex(16)
    caller_span = secrets.token_hex(8)
    request = intake_pb2.SubmitApplicationRequest(
        idempotency_key=helpers.unique("traced"),
        partner_id="traced-partner",
        partner_name="Traced Partner",
        corporate_email="ops@traced.example",
        evidence=[events.Evidence(criterion="c", document_uri="d")],
    )
    receipt = await clients["intake"].SubmitApplication(
        request, timeout=10, metadata=(("traceparent", f"00-{trace_id}-{caller_span}-01"),)
    )
    await helpers.eventually(
        lambda: clients["certification"].GetApplication(
            certification_pb2.GetApplicationRequest(application_id=receipt.application_id), timeout=5
        )
    )

    def spans(service: str) -> list:
        return [s for s in receiver.spans_of(service) if s.trace_id.hex() == trace_id]

    async def whole_trace():
        intake, certification = spans("intake"), spans("certification")
        kinds = {(s.kind, s.name) for s in intake + certification}
        wanted = {
            (Span.SPAN_KIND_SERVER, "/servicehub.intake.v1.IntakeService/SubmitApplication"),
            (Span.SPAN_KIND_INTERNAL, "intake record"),
            (Span.SPAN_KIND_INTERNAL, "certification record"),
        }
        has_produce = any(s.kind == Span.SPAN_KIND_PRODUCER for s in intake)
        has_consume = any(s.kind == Span.SPAN_KIND_CONSUMER for s in certification)
        return (intake, certification) if wanted <= kinds and has_produce and has_consume else None

    intake, certification = await helpers.eventually(whole_trace, timeout=30, what="spans exported")
    by_id = {s.span_id: s for s in intake + certification}
    server = next(s for s in intake if s.kind == Span.SPAN_KIND_SERVER)
    assert server.parent_span_id.hex() == caller_span
    produce = next(s for s in intake if s.kind == Span.SPAN_KIND_PRODUCER)
    consume = next(s for s in certification if s.kind == Span.SPAN_KIND_CONSUMER)
    record = next(s for s in certification if s.name == "certification record")
    assert by_id[produce.parent_span_id].name == "intake record", "the relay continues the stored trace"
    assert consume.parent_span_id == produce.span_id
    assert _descends_from(record, consume, by_id)


def _descends_from(span, ancestor, by_id) -> bool:
    while span.parent_span_id in by_id:
        span = by_id[span.parent_span_id]
        if span.span_id == ancestor.span_id:
            return True
    return False
