"""Two changes to the Pulumi SDK's runtime while the offline engine runs a program, both about time
only: what the program registers, and the errors it raises, stay the same (the plan digests of
tests/plan_digests/ were recorded without them and still match).

- Waiting for outstanding outputs. The SDK's `wait_for_rpcs` waits on every pending output with
  FIRST_COMPLETED, then again on the rest, once per completion: thousands of outputs make that
  quadratic, about a third of a plan's time. This hangs one callback on each output instead and
  takes them as they complete: as in the SDK, after each completion it takes up the outputs made
  since, and a failed or cancelled output raises as soon as it is taken.
- Source positions. Each registration walks the Python stack to tell the engine which line made the
  resource; the offline monitor never reads them.

`SDK_WAIT_FOR_RPCS_SHA256` is the digest of the SDK function this replaces: a test fails when an SDK
upgrade changes it, so the replacement is reviewed against the new one.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from typing import Any

from pulumi.runtime import resource as sdk_resource
from pulumi.runtime import stack as sdk_stack
from pulumi.runtime.proto import source_pb2
from pulumi.runtime.settings import SETTINGS, _get_rpc_manager

SDK_WAIT_FOR_RPCS_SHA256 = "c0f9027f85ad09255ded0a1908033b490f76d303a3e40b50d3cf47a69265469d"


async def wait_for_rpcs(await_all_outstanding_tasks: bool = True) -> None:
    """The SDK's `wait_for_rpcs` (pulumi/runtime/stack.py), but for how it waits on outputs."""
    rpc_manager = _get_rpc_manager()
    while True:
        while len(rpc_manager.rpcs) > 0:
            await asyncio.sleep(0)
            try:
                await rpc_manager.rpcs.pop()
            except Exception as exn:
                if rpc_manager.unhandled_exception is not None:
                    cause = rpc_manager.unhandled_exception.with_traceback(rpc_manager.exception_traceback)
                    raise exn from cause
                raise
        if rpc_manager.unhandled_exception is not None:
            raise rpc_manager.unhandled_exception.with_traceback(rpc_manager.exception_traceback)
        if await_all_outstanding_tasks:
            await _wait_for_outputs()
        if len(rpc_manager.rpcs) == 0:
            break


async def _wait_for_outputs() -> None:
    """Until no output is outstanding: each completes once into a queue, in the order it completes."""
    finished: asyncio.Queue[asyncio.Future[Any]] = asyncio.Queue()
    pending: set[asyncio.Future[Any]] = set()
    while True:
        with SETTINGS.lock:
            made = list(SETTINGS.outputs)
            SETTINGS.outputs.clear()
        for output in made:
            pending.add(output)
            output.add_done_callback(finished.put_nowait)
        if not pending:
            return
        output = await finished.get()
        pending.discard(output)
        await output  # re-raises a failed output's exception here, as the SDK does


def _no_stack_trace() -> source_pb2.StackTrace:
    return source_pb2.StackTrace()


@contextlib.contextmanager
def fast_runtime() -> Iterator[None]:
    """The SDK with both changes, for the duration of one program run."""
    saved = sdk_stack.wait_for_rpcs, sdk_resource._get_stack_trace
    sdk_stack.wait_for_rpcs = wait_for_rpcs
    sdk_resource._get_stack_trace = _no_stack_trace
    try:
        yield
    finally:
        sdk_stack.wait_for_rpcs, sdk_resource._get_stack_trace = saved
