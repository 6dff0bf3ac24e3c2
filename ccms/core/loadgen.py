"""Load generator for `ccms bench`, run as its own process so it does not share the server's
interpreter: `python -m ccms.core.loadgen PLAN.json`. Prints one JSON line of results."""

import asyncio
import json
import statistics
import sys
import time

import aiohttp


async def run(plan: dict) -> dict:
    base, concurrency, duration = plan["base_url"], plan["concurrency"], plan["duration_s"]
    latencies: list[float] = []
    errors = 0
    stop_at = time.perf_counter() + duration

    async def kiosk(number: int, session: aiohttp.ClientSession) -> None:
        nonlocal errors
        if plan["mode"] == "healthz":
            steps = [("GET", "/healthz", None, None)]
        else:
            children = plan["kiosks"][number % len(plan["kiosks"])]
            steps = []
            for child in children:
                auth = plan["sessions"][child["provider"]]
                for action in ("check-in", "check-out"):
                    url = f"/api/providers/{child['provider']}/children/{child['id']}/{action}"
                    steps.append(("POST", url, auth, None))
        index = 0
        while time.perf_counter() < stop_at:
            method, url, auth, body = steps[index % len(steps)]
            index += 1
            headers, cookies = {}, None
            if auth:
                headers["X-CSRFToken"] = auth["csrf"]
                headers["Cookie"] = f"sessionid={auth['session']}; csrftoken={auth['csrf']}"
            started = time.perf_counter()
            try:
                async with session.request(
                    method, base + url, headers=headers, json=body, cookies=cookies
                ) as response:
                    await response.read()
                    ok = response.status < 300
            except aiohttp.ClientError:
                ok = False
            latencies.append(time.perf_counter() - started)
            if not ok:
                errors += 1

    connector = aiohttp.TCPConnector(limit=concurrency, force_close=False)
    async with aiohttp.ClientSession(connector=connector) as session:
        began = time.perf_counter()
        await asyncio.gather(*(kiosk(n, session) for n in range(concurrency)))
        elapsed = time.perf_counter() - began
    latencies.sort()
    count = len(latencies)
    return {
        "requests": count,
        "errors": errors,
        "elapsed_s": round(elapsed, 2),
        "rps": round(count / elapsed, 1) if elapsed else 0.0,
        "p50_ms": round(statistics.median(latencies) * 1000, 1) if count else None,
        "p99_ms": round(latencies[min(count - 1, int(count * 0.99))] * 1000, 1) if count else None,
    }


if __name__ == "__main__":
    with open(sys.argv[1]) as handle:
        print(json.dumps(asyncio.run(run(json.load(handle)))))
