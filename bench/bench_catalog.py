"""Catalog figures: load time of the bundled catalog, search time, and the adapter's overhead
per query over the demo back-end compared with a bare httpx POST to the same server."""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402

from services_catalog.catalog import load_catalog  # noqa: E402
from services_catalog.demo_backend import ZHANG_WEI, DemoBackend  # noqa: E402
from services_catalog.model import AuthenticatedPerson  # noqa: E402
from services_catalog.registry import build_adapters  # noqa: E402


def emit(name: str, value: float, unit: str) -> None:
    print(json.dumps({"name": name, "value": round(value, 3), "unit": unit}))


def median_ms(fn, runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main() -> None:
    load_catalog()  # warm imports (pydantic, tomllib) so the figure is the loading itself
    emit("catalog_load", median_ms(load_catalog, 20), "ms")
    catalog = load_catalog()
    catalog.search("bdc")  # builds the pinyin index once
    emit("catalog_search_pinyin", median_ms(lambda: catalog.search("sbjf"), 200), "ms")

    service = catalog.get("social_insurance.contribution_detail")
    assert service is not None
    person = AuthenticatedPerson(ZHANG_WEI, "", face_verified=True)
    with DemoBackend() as backend, httpx.Client() as client:
        adapter = build_adapters(families=["social_insurance"], demo_base_url=backend.base_url,
                                 client=client)["social_insurance"]  # fmt: skip
        url = f"{backend.base_url}/social_insurance/contributions"
        params = {"insurance": "all", "year": "2025"}
        headers = {"X-Subject-Id": ZHANG_WEI}

        def bare() -> None:
            client.post(url, json=params, headers=headers).json()

        def adapted() -> None:
            adapter.query(service, person, {"year": "2025"})

        for _ in range(20):  # warm the connection and both paths
            bare()
            adapted()
        # Interleaved so that drift of the machine hits both paths alike.
        bare_s, adapter_s = [], []
        for _ in range(400):
            bare_s.append(median_ms(bare, 1))
            adapter_s.append(median_ms(adapted, 1))
        bare_ms, adapter_ms = statistics.median(bare_s), statistics.median(adapter_s)
    emit("demo_query_bare_httpx", bare_ms, "ms")
    emit("demo_query_adapter", adapter_ms, "ms")
    emit("adapter_overhead_per_query", adapter_ms - bare_ms, "ms")


if __name__ == "__main__":
    main()
