"""The channel layer: channels-redis, with one fix for a layer sharded over several Redis
instances (``CHANNEL_LAYER_URL`` with several URLs).

channels-redis 4.3 picks the shard of a message sent to a process-specific channel
(``specific.<process>!<socket>``) from the hash of the *whole* name, while the process
receives on the shard of its non-local part (``specific.<process>!``) — so with two hosts
about half of the direct sends (a socket's own messages, ``/readyz``'s round trip) were
written where nobody reads them (django/channels_redis#94, PR #220, not released). Group
sends already hashed the non-local part. Here every name hashes by its non-local part; with
one host nothing changes (there is only shard 0).
"""

from __future__ import annotations

from channels_redis import core


class RedisChannelLayer(core.RedisChannelLayer):
    """channels-redis's layer (same name, so health reports read the same)."""

    def consistent_hash(self, value: str | bytes) -> int:
        if isinstance(value, str) and "!" in value:
            value = self.non_local_name(value)
        return int(super().consistent_hash(value))
