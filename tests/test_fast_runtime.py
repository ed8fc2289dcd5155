"""The offline engine's changes to the SDK's runtime (offline/fast_runtime.py) are about time only."""

from __future__ import annotations

import asyncio
import hashlib
import inspect

import pytest
from pulumi.runtime import stack as sdk_stack
from pulumi.runtime.settings import SETTINGS

from offline.fast_runtime import SDK_WAIT_FOR_RPCS_SHA256, fast_runtime, wait_for_rpcs


def test_the_replaced_sdk_function_is_the_one_reviewed() -> None:
    source = inspect.getsource(sdk_stack.wait_for_rpcs)
    assert hashlib.sha256(source.encode()).hexdigest() == SDK_WAIT_FOR_RPCS_SHA256, (
        "the SDK's wait_for_rpcs changed: compare offline/fast_runtime.py's copy with it, then "
        "record the new digest"
    )


def test_the_sdk_is_restored_after_a_run() -> None:
    before = sdk_stack.wait_for_rpcs
    with fast_runtime():
        assert sdk_stack.wait_for_rpcs is wait_for_rpcs
    assert sdk_stack.wait_for_rpcs is before


def test_a_failed_output_ends_the_wait_while_others_still_run() -> None:
    async def scenario() -> None:
        never = asyncio.ensure_future(asyncio.sleep(3600))

        async def fail() -> None:
            raise ValueError("an output failed")

        failing = asyncio.ensure_future(fail())
        with SETTINGS.lock:
            SETTINGS.outputs.update({never, failing})
        try:
            with pytest.raises(ValueError, match="an output failed"):
                await asyncio.wait_for(wait_for_rpcs(), timeout=5)
        finally:
            never.cancel()
            SETTINGS.outputs.clear()

    asyncio.run(scenario())


def test_every_output_completes_before_the_wait_ends() -> None:
    finished: list[int] = []

    async def scenario() -> None:
        async def output(n: int) -> None:
            await asyncio.sleep(0.001 * (n % 5))
            if n < 50:  # an output that makes another while the wait runs, as apply does
                with SETTINGS.lock:
                    SETTINGS.outputs.add(asyncio.ensure_future(output(n + 100)))
            finished.append(n)

        with SETTINGS.lock:
            SETTINGS.outputs.update(asyncio.ensure_future(output(n)) for n in range(100))
        await wait_for_rpcs()

    asyncio.run(scenario())
    assert sorted(finished) == [*range(100), *range(100, 150)]
