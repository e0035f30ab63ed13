"""Jobs: long work the API accepts at once (202) and runs off the request, in this server.

Training takes minutes; an HTTP request that waits for it ties up a worker, times out behind
proxies and loses the result when the client gives up. So `POST /api/v1/runs` records a job
and answers with its id; a thread of the server trains; `GET /api/v1/jobs/{id}` reads its
status and then its result or error from the store, from any replica. The thread beats the
job's heartbeat: a job whose server stopped is reported `lost`, not `running` forever.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update

from modelward.backends.store import LEASE_HOLDER, jobs
from modelward.errors import ModelwardError, NotFound
from modelward.events import utc_now
from modelward.workspace import Workspace

HEARTBEAT_SECONDS = 5.0
LOST_AFTER_SECONDS = 60.0  # a running job whose heartbeat is older than this was lost
_log = logging.getLogger("modelward.api.jobs")

Work = Callable[[], dict[str, Any]]


@dataclass(frozen=True)
class Job:
    uid: str
    kind: str
    status: str  # running | done | failed | lost
    request: dict[str, Any]
    result: dict[str, Any] | None
    error: dict[str, Any] | None
    created_at: str
    created_by: str
    finished_at: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "job": self.uid,
            "kind": self.kind,
            "status": self.status,
            "url": f"/api/v1/jobs/{self.uid}",
            "request": self.request,
            "result": self.result,
            "error": self.error,
            "created_at": self.created_at,
            "created_by": self.created_by,
            "finished_at": self.finished_at,
        }


def start_job(ws: Workspace, kind: str, request: dict[str, Any], work: Work) -> Job:
    """Record the job, start `work` on a thread of this process, and return at once."""
    uid = uuid.uuid4().hex
    with ws.transaction() as conn:
        conn.execute(
            insert(jobs).values(
                uid=uid,
                kind=kind,
                status="running",
                request=json.dumps(request, sort_keys=True),
                holder=LEASE_HOLDER,
                heartbeat=time.time(),
                created_at=utc_now(),
                created_by=ws.actor,
            )
        )
        ws.record(conn, "job.started", f"job/{uid}", {"kind": kind, "request": request})
    threading.Thread(target=_run, args=(ws, uid, work), name=f"job-{uid[:8]}", daemon=True).start()
    return get_job(ws, uid)


def get_job(ws: Workspace, uid: str) -> Job:
    with ws.transaction() as conn:
        row = conn.execute(select(jobs).where(jobs.c.uid == uid)).first()
    if row is None:
        raise NotFound(f"no job {uid!r}; `GET /api/v1/jobs` lists them")
    return _record(row._mapping)


def list_jobs(ws: Workspace, *, limit: int = 50) -> list[Job]:
    with ws.transaction() as conn:
        rows = conn.execute(select(jobs).order_by(jobs.c.created_at.desc()).limit(limit)).all()
    return [_record(row._mapping) for row in rows]


def _run(ws: Workspace, uid: str, work: Work) -> None:
    stop = threading.Event()
    threading.Thread(target=_beat, args=(ws, uid, stop), daemon=True).start()
    try:
        result = work()
    except ModelwardError as exc:
        error = {"type": type(exc).__name__, "message": exc.message, "status": exc.http_status}
        _finish(ws, uid, "failed", error=error)
    except Exception as exc:  # a bug: kept on the job, where its caller looks, and logged
        _log.exception("job %s failed", uid)
        message = f"internal error ({type(exc).__name__}: {exc}); please report it"
        _finish(ws, uid, "failed", error={"type": "InternalError", "message": message})
    else:
        _finish(ws, uid, "done", result=result)
    finally:
        stop.set()


def _beat(ws: Workspace, uid: str, stop: threading.Event) -> None:
    while not stop.wait(HEARTBEAT_SECONDS):
        try:
            with ws.transaction() as conn:
                conn.execute(update(jobs).where(jobs.c.uid == uid).values(heartbeat=time.time()))
        except Exception:  # noqa: S112 - the store may be briefly down: beat again next time
            continue


def _finish(
    ws: Workspace,
    uid: str,
    status: str,
    *,
    result: dict[str, Any] | None = None,
    error: dict[str, Any] | None = None,
) -> None:
    with ws.transaction() as conn:
        conn.execute(
            update(jobs)
            .where(jobs.c.uid == uid)
            .values(
                status=status,
                result=None if result is None else json.dumps(result, default=str),
                error=None if error is None else json.dumps(error),
                finished_at=utc_now(),
                heartbeat=time.time(),
            )
        )
        payload = {"status": status, **({} if error is None else {"error": error["message"]})}
        ws.record(conn, f"job.{status}", f"job/{uid}", payload)


def _record(row: Any) -> Job:
    status = row["status"]
    if status == "running" and time.time() - float(row["heartbeat"]) > LOST_AFTER_SECONDS:
        status = "lost"  # its server stopped while it ran: start it again
    return Job(
        uid=row["uid"],
        kind=row["kind"],
        status=status,
        request=json.loads(row["request"]),
        result=None if row["result"] is None else json.loads(row["result"]),
        error=None if row["error"] is None else json.loads(row["error"]),
        created_at=row["created_at"],
        created_by=row["created_by"],
        finished_at=row["finished_at"],
    )
