"""This machine's anchor in the event chain: the last state it verified, kept outside the store.

Someone who can write the store but not the workspace folder can cut the chain's tail and
move its head back to an older signed state; the anchor remembers what was there. It is one
small JSON file beside the workspace's keys, replaced atomically, and only ever moved up.
"""

from __future__ import annotations

import json
from pathlib import Path

from modelward.events.log import Anchor
from modelward.files import atomic_path

ANCHOR_FILE = Path("keys") / "chain_anchor.json"


def read_anchor(home: Path) -> Anchor | None:
    """The anchor this machine left, or None (never verified here, or unreadable)."""
    try:
        data = json.loads((home / ANCHOR_FILE).read_text(encoding="utf-8"))
        return Anchor(int(data["seq"]), str(data["hash"]), str(data["time"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_anchor(home: Path, anchor: Anchor, previous: Anchor | None) -> None:
    """Keep `anchor` unless `previous` is further along (another process verified more)."""
    if previous is not None and previous.seq > anchor.seq:
        return
    path = home / ANCHOR_FILE
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with atomic_path(path) as scratch:
        scratch.write_text(json.dumps(anchor.to_json()), encoding="utf-8")
