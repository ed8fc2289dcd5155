"""The offline engine's changes to the SDK's runtime (offline/fast_runtime.py) are about time only."""

from __future__ import annotations

import asyncio
import hashlib
import inspect
from collections.abc import Awaitable, Callable

import pytest
from pulumi.runtime import stack as sdk_stack
from pulumi.runtime.settings import SETTINGS

from offline.fast_runtime import SDK_WAIT_FOR_RPCS_SHA256, fast_runtime, wait_for_rpcs

# Each behaviour below is checked on the SDK's function too: the replacement does what it does.
WAITS = pytest.mark.parametrize("wait", [sdk_stack.wait_for_rpcs, wait_for_rpcs], ids=["sdk", "offline"])
Wait = Callable[[], Awaitable[None]]


@pytest.fixture(autouse=True)
def no_outstanding_rpcs() -> None:
    """Each wait starts with nothing outstanding, whatever ran before it in the process: a plan
    whose program failed leaves its RPC manager holding the error, which the wait would raise."""
    SETTINGS.rpc_manager.clear()
    SETTINGS.outputs.clear()


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


@WAITS
@pytest.mark.parametrize("made_during_the_wait", [False, True], ids=["made-before", "made-during"])
def test_a_failed_output_ends_the_wait_while_others_still_run(wait: Wait, made_during_the_wait: bool) -> None:
    async def scenario() -> None:
        never = asyncio.ensure_future(asyncio.sleep(3600))

        async def fail() -> None:
            raise ValueError("an output failed")

        async def make_a_failing_output() -> None:
            await asyncio.sleep(0.01)  # after the wait has taken up the outputs made before it
            with SETTINGS.lock:
                SETTINGS.outputs.add(asyncio.ensure_future(fail()))

        first = asyncio.ensure_future(make_a_failing_output() if made_during_the_wait else fail())
        with SETTINGS.lock:
            SETTINGS.outputs.update({never, first})
        try:
            with pytest.raises(ValueError, match="an output failed"):
                await asyncio.wait_for(wait(), timeout=5)
        finally:
            never.cancel()
            SETTINGS.outputs.clear()

    asyncio.run(scenario())


@WAITS
def test_every_output_completes_before_the_wait_ends(wait: Wait) -> None:
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
        await wait()

    asyncio.run(scenario())
    assert sorted(finished) == [*range(100), *range(100, 150)]


@WAITS
def test_a_cancelled_output_ends_the_wait_while_others_still_run(wait: Wait) -> None:
    async def scenario() -> None:
        never = asyncio.ensure_future(asyncio.sleep(3600))
        cancelled = asyncio.ensure_future(asyncio.sleep(3600))
        cancelled.cancel()
        with SETTINGS.lock:
            SETTINGS.outputs.update({never, cancelled})
        try:
            with pytest.raises(asyncio.CancelledError):
                await asyncio.wait_for(wait(), timeout=5)
        finally:
            never.cancel()
            SETTINGS.outputs.clear()

    asyncio.run(scenario())
