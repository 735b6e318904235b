"""Scale (docs/scale.md): memory bounded by the listings in flight, unchanged listings cost no
diff, processing in worker processes."""

from __future__ import annotations

import threading

from provider_server import ProviderServer, make_target, openai_models, openai_style

from dump_models.fetch import fetch_all

FAST = {"timeout": 5, "retries": 0, "backoff": 0.01}


def test_fetch_all_holds_no_more_listings_than_its_concurrency():
    # While the caller is busy with one listing, fetching goes on only up to `concurrency`
    # listings not yet handed over: a slow caller does not pile up every provider's listing.
    names = [f"p{i}" for i in range(12)]
    with ProviderServer() as server:
        for name in names:
            server.route(f"/{name}/models", openai_style(openai_models(2, name)))
        targets = [make_target(name, server, prefix=f"/{name}") for name in names]
        seen_while_busy: list[int] = []
        released = threading.Event()

        def on_result(result):
            if not seen_while_busy:
                released.wait(0.5)  # time enough for every fetch to start if nothing held it
                seen_while_busy.append(len(server.requests))

        results = fetch_all(targets, concurrency=3, on_result=on_result, **FAST)
    assert all(result.ok for result in results.values())
    assert seen_while_busy and seen_while_busy[0] <= 3
