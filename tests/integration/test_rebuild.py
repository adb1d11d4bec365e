"""Read models are disposable: certification's application list rebuilt from the log is identical."""

from __future__ import annotations

import asyncio

from servicehub.certification.v1 import certification_pb2


async def list_all(clients) -> list[bytes]:
    applications, token = [], ""
    while True:
        response = await clients["certification"].ListApplications(
            certification_pb2.ListApplicationsRequest(page_size=7, page_token=token), timeout=10
        )
        applications += [a.SerializeToString(deterministic=True) for a in response.applications]
        token = response.next_page_token
        if not token:
            return applications


async def test_application_list_rebuilt_from_event_log_is_identical(
    system, clients, helpers, registered_application
):
    certification = system["certification"]
    before = await list_all(clients)
    assert before, "the list must not be empty"

    assert await asyncio.to_thread(certification.stop) == 0, "SIGTERM must shut down cleanly"
    views = sorted(certification.data_dir.glob("certification-views.sqlite*"))
    assert views, "the view has its own file"
    for path in views:
        path.unlink()
    await asyncio.to_thread(certification.start().wait_serving)

    async def rebuilt():
        after = await list_all(clients)
        return after if len(after) >= len(before) else None

    after = await helpers.eventually(rebuilt, what="view rebuilt")
    assert after == before
