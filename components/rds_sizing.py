"""What an RDS instance class or an Aurora Serverless v2 range offers: memory, and the connection limit
RDS derives from it."""

from __future__ import annotations

import re

# Memory (GiB) by size within each family RDS offers for PostgreSQL that this project allows.
_BURSTABLE = {"micro": 1, "small": 2, "medium": 4, "large": 8, "xlarge": 16, "2xlarge": 32}
_GENERAL = {
    "large": 8,
    "xlarge": 16,
    "2xlarge": 32,
    "4xlarge": 64,
    "8xlarge": 128,
    "12xlarge": 192,
    "16xlarge": 256,
}
_MEMORY = {size: gib * 2 for size, gib in _GENERAL.items()}
INSTANCE_MEMORY_GIB: dict[str, dict[str, int]] = {
    "t3": _BURSTABLE,
    "t4g": _BURSTABLE,
    "m5": _GENERAL,
    "m6g": _GENERAL,
    "m6i": _GENERAL,
    "m7g": _GENERAL,
    "r5": _MEMORY,
    "r6g": _MEMORY,
    "r6i": _MEMORY,
    "r7g": _MEMORY,
}
INSTANCE_CLASS = re.compile(r"db\.(?P<family>[a-z0-9]+)\.(?P<size>[a-z0-9]+)")

# RDS's default for PostgreSQL: max_connections = LEAST(DBInstanceClassMemory / 9531392, 5000).
_BYTES_PER_CONNECTION = 9531392
_CONNECTION_CEILING = 5000


def memory_gib(instance_class: str) -> int:
    """Memory of a class such as db.t4g.micro; ValueError naming the allowed classes otherwise."""
    match = INSTANCE_CLASS.fullmatch(instance_class)
    sizes = INSTANCE_MEMORY_GIB.get(match["family"], {}) if match else {}
    if not match or match["size"] not in sizes:
        families = ", ".join(f"db.{f}.*" for f in INSTANCE_MEMORY_GIB)
        raise ValueError(f"must be an RDS instance class like db.t4g.micro, of the families {families}")
    return sizes[match["size"]]


def max_connections(instance_class: str) -> int:
    """RDS's default max_connections for the class, estimated from its nominal memory.

    RDS applies the formula to the memory left after the OS and RDS processes, so the real limit
    is somewhat lower; the connection budget keeps reserved headroom for that reason.
    """
    memory_bytes = memory_gib(instance_class) * 1024**3
    return min(memory_bytes // _BYTES_PER_CONNECTION, _CONNECTION_CEILING)


# Aurora Serverless v2: about 2 GiB of memory per ACU (Aurora User Guide, "How Aurora Serverless v2
# works"). Aurora PostgreSQL derives max_connections from the memory of the range's MAXIMUM ACUs, once,
# at boot: AWS's table (Aurora User Guide, "Performance and scaling for Aurora Serverless v2",
# maximum connections), maximum ACUs -> max_connections.
GIB_PER_ACU = 2
_SERVERLESS_CONNECTIONS = {1.0: 189, 4.0: 823, 8.0: 1669, 16.0: 3360, 32.0: 5000}
# A minimum of 0 or 0.5 ACUs caps it at 2,000, whatever the maximum (same page; AWS re:Post,
# "Working of max_connections for Amazon Aurora PostgreSQL Serverless").
_LOW_MINIMUM_ACU = 0.5
_LOW_MINIMUM_CEILING = 2000


def serverless_max_connections(min_acu: float, max_acu: float) -> int:
    """Aurora PostgreSQL Serverless v2's default max_connections for a capacity range.

    Between AWS's documented rows the lower row is taken: the limit grows with memory, so that is a
    bound the real value stays above.
    """
    row = max(
        (acu for acu in _SERVERLESS_CONNECTIONS if acu <= max_acu), default=min(_SERVERLESS_CONNECTIONS)
    )
    connections = _SERVERLESS_CONNECTIONS[row]
    if min_acu <= _LOW_MINIMUM_ACU:
        connections = min(connections, _LOW_MINIMUM_CEILING)
    return connections
