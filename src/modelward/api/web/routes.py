"""The web UI's routes: each page admits the caller, gathers its data, renders a template.

Actions are plain HTML forms (they work without JavaScript) posting to the same core functions
as the CLI, as the signed-in user; the answer is a redirect back to the page with what was done,
or the page again with the refusal. With auth on, signing in stores the API token in an
HttpOnly, SameSite=Strict cookie, which the edge reads like the Authorization header.

Every form carries a CSRF token equal to a cookie of its own (double submit): a page of another
site can make the browser post a form, but cannot read the cookie to fill the field in. The
door (`api.guard`) also refuses such a post by its Origin; this is the second lock.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool

from modelward.access import Role
from modelward.api.security import CSRF_COOKIE, TOKEN_COOKIE
from modelward.api.state import ServerState, acting, model_ref
from modelward.api.web import pages
from modelward.errors import Forbidden, ModelwardError, Unauthorized
from modelward.ledger import ledger
from modelward.registry import list_models
from modelward.review import approve, reject
from modelward.serving import promote_canary, rollback

HERE = Path(__file__).parent
STATIC = HERE / "static"
_templates = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(["html"]),
    auto_reload=False,
)
router = APIRouter(include_in_schema=False)


def render(request: Request, template: str, title: str, status: int = 200, **data: Any) -> Response:
    state = ServerState.of(request)
    caller = state.gate.admit(request.headers, Role.VIEWER)
    csrf = _csrf(request)
    signed_in = _cookie(request, TOKEN_COOKIE) is not None
    page = _templates.get_template(template).render(
        title=title,
        caller=caller,
        said=request.query_params.get("said"),
        csrf=csrf,
        signed_in=signed_in,
        **data,
    )
    return _with_csrf(HTMLResponse(page, status_code=status), request, csrf)


def _csrf(request: Request) -> str:
    """The browser's CSRF token: its cookie's, or a new one the response will set."""
    return _cookie(request, CSRF_COOKIE) or secrets.token_urlsafe(32)


def _with_csrf(response: Response, request: Request, csrf: str) -> Response:
    if _cookie(request, CSRF_COOKIE) != csrf:
        response.set_cookie(CSRF_COOKIE, csrf, httponly=True, samesite="strict")
    return response


def _cookie(request: Request, name: str) -> str | None:
    return request.cookies.get(name) or None


def _check_csrf(request: Request, sent: str) -> None:
    """Forbidden unless the form's token is the browser's own cookie."""
    kept = _cookie(request, CSRF_COOKIE)
    if kept is None or not secrets.compare_digest(kept.encode(), sent.encode()):
        raise Forbidden(
            "csrf: the form did not come from this server's page; reload the page and try again"
        )


def _page(request: Request, template: str, title: str, gather: Any, *args: Any) -> Response:
    try:
        data = gather(acting(request, Role.VIEWER), *args)
    except Unauthorized:
        return RedirectResponse("/login", status_code=303)
    except ModelwardError as exc:
        return render(request, "base.html", title, exc.http_status, error=exc.message)
    return render(request, template, title, **data)


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> Response:
    return _page(request, "overview.html", "Projects", pages.overview)


@router.get("/models", response_class=HTMLResponse)
def models(request: Request) -> Response:
    return _page(request, "models.html", "Models", lambda ws: {"models": list_models(ws)})


@router.get("/models/{project}/{version}", response_class=HTMLResponse)
def model(project: str, version: str, request: Request) -> Response:
    ref = model_ref(project, version)
    gather = _allowing(request, pages.model_page, "can_review", Role.APPROVER)
    return _page(request, "model.html", f"Model {ref}", gather, ref)


@router.post("/models/{project}/{version}/review")
def review(
    project: str,
    version: str,
    request: Request,
    decision: str = Form(...),
    comment: str = Form(""),
    csrf: str = Form(""),
) -> Response:
    ref = model_ref(project, version)
    decide = approve if decision == "approve" else reject
    back = f"/models/{project}/v{version.lstrip('vV')}"
    return _act(
        request,
        csrf,
        back,
        Role.APPROVER,
        lambda ws: decide(ws, ref, comment=comment),
        f"{ref}: {decision} recorded",
    )


@router.get("/datasets", response_class=HTMLResponse)
def datasets(request: Request) -> Response:
    return _page(request, "datasets.html", "Datasets", pages.datasets_page)


@router.get("/datasets/{name}/diff", response_class=HTMLResponse)
def dataset_diff(name: str, request: Request, a: str = "", b: str = "") -> Response:
    title = f"Dataset {name}: version {a or '?'} to {b or '?'}"
    return _page(request, "dataset_diff.html", title, pages.dataset_diff_page, name, a, b)


@router.get("/datasets/{ref}", response_class=HTMLResponse)
def dataset(ref: str, request: Request) -> Response:
    return _page(request, "dataset.html", f"Dataset {ref}", pages.dataset_page, ref)


@router.get("/runs", response_class=HTMLResponse)
def runs(request: Request, project: str | None = None, sort: str | None = None) -> Response:
    return _page(request, "runs.html", "Runs", pages.runs_page, project, sort)


@router.get("/runs/compare", response_class=HTMLResponse)
def compare_runs(request: Request, run: Annotated[list[str] | None, Query()] = None) -> Response:
    return _page(request, "compare.html", "Runs side by side", pages.compare_page, run or [])


@router.get("/runs/{uid}", response_class=HTMLResponse)
def run_detail(uid: str, request: Request) -> Response:
    return _page(request, "run.html", f"Run {uid[:8]}", pages.run_page, uid)


@router.get("/deployments", response_class=HTMLResponse)
def deployments(request: Request) -> Response:
    return _page(request, "deployments.html", "Deployments", pages.deployments_page)


@router.get("/deployments/{name}", response_class=HTMLResponse)
def deployment(name: str, request: Request, hours: str = "3") -> Response:
    def page(ws: Any, key: str) -> dict[str, Any]:
        state = ServerState.of(request)
        failure = next((d for d in state.scorer.degraded if d["deployment"] == key), None)
        return {**pages.deployment_page(ws, key, hours, state.traffic_cache), "failure": failure}

    gather = _allowing(request, page, "can_change", Role.SCIENTIST)
    return _page(request, "deployment.html", f"Deployment {name}", gather, name)


@router.get("/deployments/{name}/live", response_class=HTMLResponse)
def deployment_live(name: str, request: Request, hours: str = "3") -> Response:
    """The part of the deployment page that htmx polls: traffic, drift and alerts."""
    cache = ServerState.of(request).traffic_cache
    try:
        data = pages.deployment_live(acting(request, Role.VIEWER), name, hours, cache)
    except Unauthorized:
        return HTMLResponse("", headers={"HX-Redirect": "/login"})  # htmx loads the whole page
    except ModelwardError as exc:
        return HTMLResponse(
            _templates.get_template("error.html").render(error=exc.message),
            status_code=exc.http_status,
        )
    return HTMLResponse(_templates.get_template("deployment_live.html").render(**data))


@router.post("/deployments/{name}/rollback")
def roll_back(name: str, request: Request, csrf: str = Form("")) -> Response:
    back = f"/deployments/{name}"
    return _act(
        request, csrf, back, Role.SCIENTIST, lambda ws: rollback(ws, name), f"{name} rolled back"
    )


@router.post("/deployments/{name}/promote")
def promote(name: str, request: Request, csrf: str = Form("")) -> Response:
    back = f"/deployments/{name}"
    return _act(
        request,
        csrf,
        back,
        Role.SCIENTIST,
        lambda ws: promote_canary(ws, name),
        f"{name}: canary promoted",
    )


@router.get("/ledger", response_class=HTMLResponse)
def ledger_page(request: Request) -> Response:
    return _page(request, "ledger.html", "Ledger", lambda ws: {"book": ledger(ws)})


@router.get("/events", response_class=HTMLResponse)
def events(request: Request) -> Response:
    def gather(ws: Any) -> dict[str, Any]:
        status = ServerState.of(request).chain.status()
        return {
            "events": ws.read_events(limit=200),
            "chain": status.report,
            "age": status.age_seconds,
        }

    return _page(request, "events.html", "Event log", gather)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> Response:
    csrf = _csrf(request)
    page = _templates.get_template("login.html").render(error=None, csrf=csrf)
    return _with_csrf(HTMLResponse(page), request, csrf)


@router.post("/login")
async def login(request: Request, token: str = Form(...), csrf: str = Form("")) -> Response:
    state = ServerState.of(request)
    try:
        _check_csrf(request, csrf)
        await run_in_threadpool(state.gate.admit, {"authorization": f"Bearer {token}"}, Role.VIEWER)
    except ModelwardError as exc:
        fresh = _csrf(request)
        page = _templates.get_template("login.html").render(error=exc.message, csrf=fresh)
        return _with_csrf(HTMLResponse(page, status_code=exc.http_status), request, fresh)
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="strict")
    return response


@router.post("/logout")
def logout(request: Request, csrf: str = Form("")) -> Response:
    """Sign out: the token's cookie is cleared (the token itself stays valid until revoked)."""
    try:
        _check_csrf(request, csrf)
    except ModelwardError as exc:
        return render(request, "base.html", "Sign out", exc.http_status, error=exc.message)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(TOKEN_COOKIE, httponly=True, samesite="strict")
    return response


def _act(request: Request, csrf: str, back: str, role: Role, action: Any, done: str) -> Response:
    try:
        _check_csrf(request, csrf)
        action(acting(request, role))
    except Unauthorized:
        return RedirectResponse("/login", status_code=303)
    except ModelwardError as exc:
        return RedirectResponse(f"{back}?said={quote('refused: ' + exc.message)}", status_code=303)
    return RedirectResponse(f"{back}?said={quote(done)}", status_code=303)


def _allowing(request: Request, gather: Any, flag: str, role: Role) -> Any:
    """`gather` plus whether the signed-in user may take the page's action (`flag`)."""

    def gathered(ws: Any, key: str) -> dict[str, Any]:
        caller = ServerState.of(request).gate.admit(request.headers, Role.VIEWER)
        return {**gather(ws, key), flag: caller.role.allows(role)}

    return gathered
