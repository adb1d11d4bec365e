"""Personal data at rest: a submission's e-mail address and name are on no event store's
disk in plain text — not in intake's SQLite file, not in certification's PostgreSQL table
files — and the services still read them back."""

from __future__ import annotations

import uuid

import psycopg

from servicehub.certification.v1 import certification_pb2 as cert
from servicehub.events.v1 import intake_pb2 as events
from servicehub.intake.v1 import intake_pb2


def table_files(postgres, schema: str) -> dict[str, bytes]:
    """The on-disk bytes of every table (and its TOAST table) in `schema`, after a
    checkpoint wrote them out."""
    with psycopg.connect(postgres.dsn, autocommit=True) as connection:
        connection.execute("CHECKPOINT")
        rows = connection.execute(
            """
            SELECT c.relname, pg_relation_filepath(c.oid), pg_relation_filepath(NULLIF(c.reltoastrelid, 0))
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = %s AND c.relkind = 'r'
            """,
            (schema,),
        ).fetchall()
        files = {}
        for table, path, toast_path in rows:
            for name, file in ((table, path), (f"{table} (TOAST)", toast_path)):
                if file is not None:
                    files[name] = connection.execute("SELECT pg_read_binary_file(%s)", (file,)).fetchone()[0]
        return files


async def test_a_submissions_email_and_name_are_encrypted_on_disk_and_read_back(
    system, clients, helpers, postgres
):
    marker = uuid.uuid4().hex[:12]
    email = f"li.na.{marker}@encrypted-partner.example"
    name = f"Li Na Consulting {marker}"
    receipt = await clients["intake"].SubmitApplication(
        intake_pb2.SubmitApplicationRequest(
            idempotency_key=helpers.unique("encrypted"),
            partner_id=helpers.unique("encrypted-partner"),
            partner_name=name,
            corporate_email=email,
            evidence=[events.Evidence(criterion="service-content.migration", summary="s", document_uri="https://d/1")],
        ),
        timeout=10,
    )

    async def registered():
        request = cert.GetApplicationRequest(application_id=receipt.application_id)
        return (await clients["certification"].GetApplication(request, timeout=5)).application

    application = await helpers.eventually(registered, what="the application in certification")
    assert (application.corporate_email, application.partner_name) == (email, name)

    intake_store = b"".join(p.read_bytes() for p in system["intake"].data_dir.glob("intake.sqlite*"))
    assert b"servicehub_intake" in intake_store  # the events are in it
    assert email.encode() not in intake_store
    assert name.encode() not in intake_store

    files = table_files(postgres, "certification")
    everything = b"".join(files.values())
    # The rows are in these files (their topics are not secret) …
    assert b"servicehub_certification" in everything, sorted(files)
    # … their content is not readable.
    assert email.encode() not in everything
    assert name.encode() not in everything
    assert marker.encode() not in everything

    # The read model (certification's application list) keeps them encrypted too, and still
    # answers them.
    async def listed():
        token = ""
        while True:
            response = await clients["certification"].ListApplications(
                cert.ListApplicationsRequest(page_size=1000, page_token=token), timeout=10
            )
            found = [a for a in response.applications if a.application_id == receipt.application_id]
            token = response.next_page_token
            if found or not token:
                return found

    [row] = await helpers.eventually(listed, what="the application in certification's list")
    assert (row.corporate_email, row.partner_name) == (email, name)
    views = b"".join(p.read_bytes() for p in system["certification"].data_dir.glob("certification-views.sqlite*"))
    assert receipt.application_id.encode() in views  # the row is in it
    assert email.encode() not in views
    assert name.encode() not in views
