"""The auditor's bundle: one zip with everything a reviewer needs to check a model offline.

It holds the model card, the evaluation, the version record with its signed manifest, signature
and the workspace's public key, the run's lineage and trials, the training data's audit, the
whole event chain and the model's own events, and a standard-library script that re-checks the
chain. The zip is written to a temporary file and renamed into place; then one `model.exported`
event records every file's sha256 and the chain head the bundle ends at. That event comes after
the bundle, so the chain inside ends just before it (the README says so).
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from string import Template
from typing import Any

from modelward.access import PUBLIC_KEY_FILE
from modelward.audit import audit_html
from modelward.evaluation import evaluation_html
from modelward.events import GENESIS, Event, list_events, verify_chain
from modelward.files import atomic_path, check_output
from modelward.registry import ModelVersion, get_model
from modelward.review.card import Sources, card_of, gather
from modelward.tracking import list_trials
from modelward.workspace import Workspace

FLAG = "--output"
SCRIPT = "verify_chain.py"


@dataclass(frozen=True)
class AuditExport:
    """A written bundle: where, each file's sha256, and the chain head it ends at."""

    model: str
    path: str
    sha256: str
    size_bytes: int
    files: dict[str, str]
    chain_seq: int
    chain_hash: str
    chain_ok: bool
    event_seq: int

    def to_json(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "path": self.path,
            "sha256": self.sha256,
            "size_bytes": self.size_bytes,
            "files": self.files,
            "chain": {"seq": self.chain_seq, "hash": self.chain_hash, "ok": self.chain_ok},
            "event_seq": self.event_seq,
        }


@dataclass(frozen=True)
class _Chain:
    events: list[Event]
    ok: bool
    problem: str | None

    @property
    def head(self) -> tuple[int, str]:
        return (self.events[-1].seq, self.events[-1].hash) if self.events else (0, GENESIS)


def export_audit(ws: Workspace, ref: str, path: str | Path) -> AuditExport:
    """Write the audit bundle of `ref` to `path` (a .zip in an existing folder), atomically,
    then record one `model.exported` event. InputError for a bad path, NotFound for a bad ref.
    """
    target = check_output(Path(path), flag=FLAG, suffixes=(".zip",))
    model = get_model(ws, ref)
    with ws.transaction() as conn:  # one snapshot: the chain checked is the chain exported
        report = verify_chain(conn)
        chain = _Chain(list_events(conn), report.ok, report.reason)
    files = _files(ws, model, chain)
    digest, size = _write_zip(target, files)
    sums = {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}
    seq, head = chain.head
    payload = {
        "path": str(target.resolve()),
        "sha256": digest,
        "files": sums,
        "chain_head": {"seq": seq, "hash": head, "ok": chain.ok},
    }
    try:
        with ws.transaction() as conn:
            event = ws.record(conn, "model.exported", f"model/{model.ref}", payload)
    except BaseException:
        target.unlink(missing_ok=True)  # a bundle nobody can find on the record is not kept
        raise
    return AuditExport(model.ref, str(target), digest, size, sums, seq, head, chain.ok, event.seq)


def _files(ws: Workspace, model: ModelVersion, chain: _Chain) -> dict[str, bytes]:
    src = gather(ws, model)
    card = card_of(src)
    files: dict[str, bytes] = {
        "card.md": card.markdown.encode("utf-8"),
        "card.html": card.html.encode("utf-8"),
    }
    if src.evaluation is not None:
        files["evaluation.json"] = _json(src.evaluation.to_json())
        files["evaluation.html"] = evaluation_html(ws, src.evaluation).encode("utf-8")
    files["model.json"] = _json(model.to_json())
    files["manifest.json"] = ws.blobs.read_bytes(model.manifest_sha256)  # the signed bytes
    files["signature.txt"] = (model.signature + "\n").encode("ascii")
    # the key that signed this model, whoever's it is: the bundle checks it against key_id
    files[PUBLIC_KEY_FILE] = ws.trusted_key(model.key_id).public_pem().encode("ascii")
    files.update(_records(ws, src))
    files["chain.jsonl"] = _lines(chain.events)
    own = [e for e in chain.events if e.subject == f"model/{model.ref}"]
    files["model-events.jsonl"] = _lines(own)
    files[SCRIPT] = _fill(VERIFY_SCRIPT, seq=chain.head[0], hash=chain.head[1]).encode("utf-8")
    return {"README.md": _readme(model, sorted(files), chain, ws.actor).encode("utf-8"), **files}


def _records(ws: Workspace, src: Sources) -> dict[str, bytes]:
    """The run with its trials, and the training dataset version with its audit."""
    run = src.run
    trials = [] if run is None else [t.to_json() for t in list_trials(ws, run.uid)]
    files = {
        "lineage.json": _json({"run": None if run is None else run.to_json(), "trials": trials})
    }
    if src.dataset is not None:
        folder = f"datasets/{src.dataset.ref}"
        files[f"{folder}/version.json"] = _json(src.dataset.to_json())
        if src.audit is not None:
            files[f"{folder}/audit.json"] = _json(src.audit.to_json())
            files[f"{folder}/audit.html"] = audit_html(ws, src.audit).encode("utf-8")
    return files


def _readme(model: ModelVersion, names: Sequence[str], chain: _Chain, actor: str) -> str:
    seq, head = chain.head
    check = "intact" if chain.ok else f"BROKEN ({chain.problem})"
    listed = ["README.md", *names]
    rows = [f"| `{name}` | {_describe(name)} |" for name in listed]
    missing = [
        f"| `{n}` | absent: the model was not evaluated |" for n in _EVALUATION if n not in names
    ]
    return _fill(
        README,
        ref=model.ref,
        stage=model.stage.value,
        actor=actor,
        when=datetime.now(UTC).isoformat(timespec="seconds"),
        files="\n".join([*rows, *missing]),
        seq=seq,
        hash=head,
        check=check,
    )


def _describe(name: str) -> str:
    if name.startswith("datasets/"):
        return _DATASET_FILES.get(name.rsplit("/", 1)[-1], "")
    return _FILES.get(name, "")


def _fill(template: str, **values: object) -> str:
    return Template(template).substitute({k: str(v) for k, v in values.items()})


def _json(value: Any) -> bytes:
    return (json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def _lines(events: list[Event]) -> bytes:
    """One event a line, its payload kept as the stored string so that hashes recompute."""
    rows = (
        json.dumps(
            {
                "seq": e.seq,
                "time": e.time,
                "actor": e.actor,
                "action": e.action,
                "subject": e.subject,
                "payload": e.payload,
                "prev_hash": e.prev_hash,
                "hash": e.hash,
            },
            ensure_ascii=False,
        )
        + "\n"
        for e in events
    )
    return "".join(rows).encode("utf-8")


def _write_zip(path: Path, files: Mapping[str, bytes]) -> tuple[str, int]:
    """Write the bundle atomically (nobody ever sees half of one); its (sha256, size)."""
    stamp = datetime.now(UTC).timetuple()[:6]
    with atomic_path(path, durable=True) as scratch:
        with zipfile.ZipFile(scratch, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in files.items():
                entry = zipfile.ZipInfo(name, date_time=stamp)
                entry.compress_type = zipfile.ZIP_DEFLATED
                entry.external_attr = (0o755 if name == SCRIPT else 0o644) << 16
                archive.writestr(entry, data)
        data = scratch.read_bytes()
    return hashlib.sha256(data).hexdigest(), len(data)


_EVALUATION = ("evaluation.json", "evaluation.html")
_FILES = {
    "README.md": "this guide",
    "card.md": "the model card: intended use, data, design, evaluation, fairness, "
    "explanations, business value, risks, limitations, gates, approvals, lineage",
    "card.html": "the same card as a self-contained page",
    "evaluation.json": "the newest evaluation as stored: every section of its report, the "
    "facts the gates read, when and by whom",
    "evaluation.html": "the same evaluation as a page",
    "model.json": "the model version's record: stage, metric, schemas, manifest sha256, "
    "signature and signing key id",
    "manifest.json": "the signed manifest, byte for byte as stored: each model file's sha256 "
    "and size, the members, the preprocessing",
    "signature.txt": "the Ed25519 signature (base64) of the model version, as in model.json",
    PUBLIC_KEY_FILE: "the workspace's Ed25519 public key",
    "lineage.json": "the training run (params, metrics, lineage: git commit, packages, "
    "platform, seed) and every trial of its search",
    "chain.jsonl": "every event of the workspace from seq 1, one JSON object a line, each "
    "payload as the stored string",
    "model-events.jsonl": "this model's own events (registered, evaluated, approved or "
    "rejected, stage changes, refusals, earlier exports), the same lines as in chain.jsonl",
    SCRIPT: "re-checks chain.jsonl with the Python standard library alone",
}
_DATASET_FILES = {
    "version.json": "the training dataset version: content sha256, size, source, schema",
    "audit.json": "the newest data audit of that version: findings with severities",
    "audit.html": "the same audit as a page",
}

README = """# Audit bundle of model $ref

Exported $when by $actor; the model's stage then: $stage.

Every file is a copy of what the workspace stored; nothing was recomputed for this bundle.

| file | what it is |
| --- | --- |
$files

## The event chain

`chain.jsonl` ends at event $seq, hash `$hash`.

The workspace's own check of its chain, at export: $check.

This export is itself recorded, as an event `model.exported` on `model/$ref` whose payload
lists every file here with its sha256, and this chain head. It is recorded after the bundle is
written, so it is not in `chain.jsonl`: the chain here ends just before it. In the live
workspace, `modelward audit log --subject model/$ref` shows it; its `chain_head` must match the
head above.

Each event's hash is the sha256 of the canonical JSON of
`[seq, time, actor, action, subject, payload, prev_hash]` (sorted keys, no spaces, UTF-8 kept:
`ensure_ascii=False`), where `payload` is the stored payload string itself, and `prev_hash` is
the hash of the event before (for event 1, 64 zeros). Any edited, deleted or reordered event
breaks the chain from there on. In plain Python:

```python
import hashlib, json

def event_hash(e):
    fields = [e["seq"], e["time"], e["actor"], e["action"], e["subject"], e["payload"],
              e["prev_hash"]]
    body = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()

prev = "0" * 64
with open("chain.jsonl", encoding="utf-8") as lines:
    for seq, line in enumerate(lines, start=1):
        e = json.loads(line)
        assert e["seq"] == seq and e["prev_hash"] == prev and event_hash(e) == e["hash"], seq
        prev = e["hash"]
print("OK", prev)
```

`python3 verify_chain.py` runs the same check, also against the head above, and names the
first broken event.

## The model's signature

The workspace key signs the sha256 of the canonical JSON
`{"manifest_sha256": ..., "model": ...}` (the manifest's hash bound to the model's reference),
prefixed with `modelward-v1:sha256:`. With the `cryptography` package:

```python
import base64, hashlib, json
from cryptography.hazmat.primitives import serialization

model = json.load(open("model.json", encoding="utf-8"))
with open("manifest.json", "rb") as f:
    manifest_sha256 = hashlib.sha256(f.read()).hexdigest()
assert manifest_sha256 == model["manifest_sha256"], "manifest.json is not the signed manifest"
bound = {"manifest_sha256": manifest_sha256, "model": model["ref"]}
body = json.dumps(bound, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
message = b"modelward-v1:sha256:" + hashlib.sha256(body.encode("utf-8")).hexdigest().encode()
with open("workspace_ed25519.pub.pem", "rb") as f:
    key = serialization.load_pem_public_key(f.read())
raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
assert hashlib.sha256(raw).hexdigest()[:16] == model["key_id"], "signed with another key"
with open("signature.txt") as f:
    key.verify(base64.b64decode(f.read().strip()), message)  # InvalidSignature if not
print("signature OK")
```

The model's files are not in this bundle; `manifest.json` lists each one's sha256 and size, so
a copy of them can be checked against it.
"""

VERIFY_SCRIPT = '''"""Check the hash chain in chain.jsonl; needs only the Python standard library.

Usage: python3 verify_chain.py [chain.jsonl]
Prints OK and the head, or the first broken event (and exits 1).
"""

import hashlib
import json
import sys
from pathlib import Path

GENESIS = "0" * 64
EXPECTED_HEAD = ($seq, "$hash")  # where the chain ended when this bundle was exported


def event_hash(e):
    fields = [e["seq"], e["time"], e["actor"], e["action"], e["subject"], e["payload"],
              e["prev_hash"]]
    body = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def check(path):
    prev, seq = GENESIS, 0
    with open(path, encoding="utf-8") as lines:
        for line in filter(str.strip, lines):
            e, seq = json.loads(line), seq + 1
            if e["seq"] != seq:
                return f"BROKEN at seq {seq}: event {seq} is missing (found {e['seq']})"
            if e["prev_hash"] != prev:
                return f"BROKEN at seq {seq}: it does not follow event {seq - 1} (reordered?)"
            if event_hash(e) != e["hash"]:
                return f"BROKEN at seq {seq}: its content does not match its hash (edited)"
            prev = e["hash"]
    if (seq, prev) != EXPECTED_HEAD:
        return f"BROKEN at seq {seq + 1}: the chain ends at {seq}, not {EXPECTED_HEAD[0]}"
    return f"OK: {seq} events, head {prev}"


if __name__ == "__main__":
    default = Path(__file__).with_name("chain.jsonl")
    verdict = check(sys.argv[1] if len(sys.argv) > 1 else default)
    print(verdict)
    sys.exit(0 if verdict.startswith("OK") else 1)
'''
