"""A minimal Streamlit websocket client, and the simulated users of bench/load.py.

The protocol (Streamlit 1.67 on Starlette: web/server/starlette/starlette_websocket.py,
runtime/app_session.py, runtime/state/session_state.py):

- A tab opens `ws://host:port/_stcore/stream` with the subprotocol "streamlit" and the page's
  cookies; the app reads its session cookie from that handshake (st.context.cookies), so a client
  presenting a live app_session token is signed in.
- Each run is requested by a `BackMsg.rerun_script` (ClientState): the query string, the page
  (page_script_hash from the `navigation` ForwardMsg; on the first request page_name = the URL
  path), the widget states that changed (others keep their value on the server: SessionState
  compacts the last run's values), a trigger_value for a button, and the browser's context.
- The server answers with ForwardMsgs: `new_session` at the start of each run, `delta`s (an
  `exception` element is the "This app has encountered an error" box), `navigation`,
  `page_info_changed` (the app set st.query_params: the URL, and this client's query string,
  follow) and `script_finished`. FINISHED_EARLY_FOR_RERUN (st.rerun(), a callback) means another
  run of the same request follows: it is done at FINISHED_SUCCESSFULLY or a compile error.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import re
import time
from collections import Counter, namedtuple
from dataclasses import dataclass, field
from urllib.parse import parse_qs

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.typing import Subprotocol

from dashboard.auth import COOKIE_NAME

WIDGET_TYPES = {"button", "button_group", "multiselect", "number_input", "selectbox"}  # the ones we look up
CHART_TYPES = {"plotly_chart", "vega_lite_chart", "deck_gl_json_chart", "echarts_chart"}
ALERT_FORMATS = {1: "error", 2: "warning", 3: "info", 4: "success"}
URL_PATHS = {"Overview": "", "Demographics": "demographics", "Segments and value": "segments",
             "Churn risk": "churn", "Preferences and consent": "consent", "Customer list": "customers",
             "Customer 360": "customer"}  # fmt: skip


# One widget of the last run: its element type, id (ends with "-<user key>"), label, form, proto
Widget = namedtuple("Widget", "kind id label form_id proto")


@dataclass
class Run:
    """What one rerun request produced (the elements of its last script run)."""

    ms: float = 0.0
    finished: bool = False
    error: str | None = None  # "exception: ...", "compile error", "disconnected", "timeout"
    runs: int = 0  # script runs in this request (st.rerun() adds one)
    elements: Counter = field(default_factory=Counter)
    alerts: list[tuple[str, str]] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    page_not_found: bool = False
    freshness: str = ""  # the sidebar's "Data as of HH:MM:SS" or "Refreshing the data…"

    @property
    def charts(self) -> int:
        return sum(self.elements[t] for t in CHART_TYPES)

    def alerts_of(self, *formats: str) -> list[str]:
        return [body for fmt, body in self.alerts if fmt in formats]


def trigger(widget_id: str) -> WidgetState:
    """A button press (st.button, st.form_submit_button)."""
    return WidgetState(id=widget_id, trigger_value=True)


def number(widget_id: str, value: float) -> WidgetState:
    return WidgetState(id=widget_id, double_value=float(value))


def strings(widget_id: str, values: list[str]) -> WidgetState:
    """A multiselect's or st.pills' (multi) selection, as the option labels."""
    state = WidgetState(id=widget_id)
    state.string_array_value.data.extend(values)
    return state


class Session:
    """One browser tab: a websocket, the app's pages, the URL's query string, the last widgets."""

    def __init__(self, base_url: str, token: str, *, timeout: float = 180.0):
        self.url = base_url.replace("http://", "ws://").rstrip("/") + "/_stcore/stream"
        self.http_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.ws = None
        self.queue: asyncio.Queue = asyncio.Queue()
        self.reader: asyncio.Task | None = None
        self.pages: dict[str, str] = {}  # page title -> page_script_hash
        self.page_hash = ""
        self.query = ""
        self.widgets: dict[str, Widget] = {}
        self.closed_reason: str | None = None

    # --- connection ----------------------------------------------------------------------

    async def connect(self) -> None:
        self.ws, self.closed_reason = None, None  # ws stays None when the connection fails
        self.queue = asyncio.Queue()
        self.ws = await websockets.connect(
            self.url,
            subprotocols=[Subprotocol("streamlit")],
            additional_headers={"Cookie": f"{COOKIE_NAME}={self.token}"},
            compression="deflate",
            max_size=None,
            max_queue=None,
            ping_interval=None,  # a browser sends no pings; the server's pings are answered
            open_timeout=30,
            proxy=None,
        )
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            async for data in self.ws:
                if isinstance(data, bytes):
                    msg = ForwardMsg()
                    msg.ParseFromString(data)
                    self.queue.put_nowait(msg)
        except websockets.ConnectionClosed as exc:
            self.closed_reason = f"closed {exc.rcvd.code if exc.rcvd else '?'}"
        except Exception as exc:  # noqa: BLE001 - report any reader failure as a disconnect
            self.closed_reason = f"{type(exc).__name__}: {exc}"
        finally:
            self.closed_reason = self.closed_reason or "closed by the server"
            self.queue.put_nowait(None)

    async def close(self) -> None:
        if self.ws is not None:
            with contextlib.suppress(Exception):  # closing a broken socket
                await asyncio.wait_for(self.ws.close(), 10)
        if self.reader is not None:
            self.reader.cancel()
            await asyncio.gather(self.reader, return_exceptions=True)

    @property
    def connected(self) -> bool:
        return self.ws is not None and self.closed_reason is None

    # --- requests ------------------------------------------------------------------------

    def _client_state(self, page_hash: str, page_name: str, query: str | None, widgets) -> ClientState:
        query = self.query if query is None else query
        state = ClientState(query_string=query, page_script_hash=page_hash, page_name=page_name)
        state.widget_states.widgets.extend(widgets)
        info = state.context_info
        info.timezone, info.timezone_offset, info.locale = "Asia/Kolkata", -330, "en-IN"
        info.url = f"{self.http_url}/{page_name}"
        info.color_scheme = "light"
        return state

    async def rerun(self, *, page: str = "", page_name="", query: str | None = None, widgets=()) -> Run:
        """One interaction: a rerun request (a page by title, a query string, widget states),
        answered when the request's last script run has finished; its latency in `ms`. After a
        timeout the connection is closed (its run's late messages would end the next request)."""
        if not self.connected:
            return Run(error=f"disconnected ({self.closed_reason or 'not connected'})")
        while not self.queue.empty():  # anything that arrived while idle
            stray = self.queue.get_nowait()
            if stray is None:
                return Run(error=f"disconnected ({self.closed_reason})")
            self._handle(stray, Run())
        if page and page not in self.pages:  # no navigation yet (the first run failed): the URL path
            page_name = URL_PATHS[page]
        page_hash = self.pages.get(page, "") if page else self.page_hash if not page_name else ""
        msg = BackMsg()
        msg.rerun_script.CopyFrom(self._client_state(page_hash, page_name, query, widgets))
        if query is not None:
            self.query = query
        run, start = Run(), time.perf_counter()
        with contextlib.suppress(websockets.ConnectionClosed):  # the reader reports it next
            await self.ws.send(msg.SerializeToString())
        while not run.finished:
            try:
                wait = max(start + self.timeout - time.perf_counter(), 0.01)
                forward = await asyncio.wait_for(self.queue.get(), wait)
            except TimeoutError:
                run.error = f"timeout (no script_finished within {self.timeout:.0f} s)"
                await self.close()
                self.closed_reason = "closed after a timeout"
                break
            if forward is None:
                run.error = f"disconnected ({self.closed_reason})"
                break
            self._handle(forward, run)
        run.ms = (time.perf_counter() - start) * 1000
        return run

    # --- what the server sends -----------------------------------------------------------

    def _handle(self, msg: ForwardMsg, run: Run) -> None:
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            run.runs += 1
            run.elements.clear()
            run.alerts.clear()
            self.widgets = {}
            if msg.new_session.page_script_hash:
                self.page_hash = msg.new_session.page_script_hash
        elif kind == "navigation":
            nav = msg.navigation
            self.pages = {p.page_name: p.page_script_hash for p in nav.app_pages}
            self.page_hash = nav.page_script_hash or self.page_hash
        elif kind == "page_info_changed":
            self.query = msg.page_info_changed.query_string
        elif kind == "page_not_found":
            run.page_not_found = True
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            self._element(msg.delta.new_element, run)
        elif kind == "session_event" and msg.session_event.HasField("script_compilation_exception"):
            exc = msg.session_event.script_compilation_exception
            run.exceptions.append(f"{exc.type}: {exc.message}")
        elif kind == "script_finished":
            status = msg.script_finished
            if status == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                run.error = "script finished with a compile error"
                run.finished = True
            elif status in (ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY):
                run.finished = True
            if run.finished and run.error is None and (run.exceptions or run.page_not_found):
                run.error = "exception: " + run.exceptions[0] if run.exceptions else "page not found"

    def _element(self, element, run: Run) -> None:
        kind = element.WhichOneof("type")
        if kind is None:
            return
        run.elements[kind] += 1
        if kind == "exception":
            exc = element.exception
            run.exceptions.append(f"{exc.type or 'error'}: {exc.message}"[:300])
        elif kind == "markdown" and element.markdown.body.startswith(("Data as of", "Refreshing the data")):
            run.freshness = max(run.freshness, element.markdown.body[:30])  # "Refreshing" wins
        elif kind == "alert":
            run.alerts.append((ALERT_FORMATS.get(element.alert.format, "?"), element.alert.body))
        elif kind in WIDGET_TYPES:
            proto = getattr(element, kind)
            self.widgets[proto.id] = Widget(kind, proto.id, proto.label, proto.form_id, proto)

    # --- finding widgets -----------------------------------------------------------------

    def widget_by_key(self, key: str, kind: str | None = None) -> Widget | None:
        """The widget whose user key is `key` (its id ends with "-<key>")."""
        for w in self.widgets.values():
            if w.id.endswith("-" + key) and (kind is None or w.kind == kind):
                return w
        return None

    def submit_button(self, form_id: str, label: str) -> Widget | None:
        found = (w for w in self.widgets.values() if w.kind == "button" and w.form_id == form_id)
        return next((w for w in found if w.label == label and w.proto.is_form_submitter), None)


# --- simulated users -------------------------------------------------------------------------

VIEWER_PAGES = ("Overview", "Segments and value", "Churn risk", "Preferences and consent")
VIEWER_PAGES += ("Demographics", "Customer list")
# Sidebar pills (dashboard/filters.py): widget key -> (URL parameter, options)
PILLS = {
    "flt_categories": ("categories", ("VIP", "Premium", "Standard", "Economy")),
    "flt_engagements": ("engagements", ("High", "Medium", "Low")),
    "flt_genders": ("genders", ("Male", "Female", "Other")),
    "flt_statuses": ("statuses", ("Active", "Inactive", "Suspended")),
}
# Shared links: a filter set through the URL's query string
LINKS = ("states=Maharashtra&categories=VIP", "genders=Female&age_min=25&age_max=34&statuses=Active",
         "categories=Premium%2CVIP", "states=Karnataka%2CKerala%2CTamil+Nadu",
         "engagements=Low&statuses=Active")  # fmt: skip
SAVE_PAGE = "Customer 360"
RISK_KEY = re.compile(r"-seg-(\d+)\.v\d+\.Risk_Score$")


@dataclass
class Record:
    """One interaction of one user, as the report counts it."""

    user: str
    role: str
    kind: str  # connect, page, filter-widget, filter-url, filter-clear, open, save
    page: str
    ms: float
    at: float  # seconds since the users started
    error: str | None = None
    charts: int = 0
    warnings: list[str] = field(default_factory=list)
    saved: bool | None = None  # saves: the success message shown
    detail: str = ""
    segment: tuple[int, float] | None = None  # saves: (Segment_ID, Risk_Score sent)
    freshness: str = ""


def record(user, kind: str, page: str, run: Run, t0: float) -> Record:
    r = Record(user.name, user.role, kind, page, run.ms, time.monotonic() - t0, run.error, run.charts)
    r.warnings, r.freshness = run.alerts_of("warning", "error"), run.freshness
    return r


def _toggled(query: str, rng) -> tuple[str, list[str]]:
    """Click one option of one sidebar pills group: the widget key and its new selection."""
    key = rng.choice(sorted(PILLS))
    param, options = PILLS[key]
    chosen = [v for v in (parse_qs(query).get(param) or [""])[0].split(",") if v]
    option = rng.choice(options)
    chosen = [v for v in chosen if v != option] if option in chosen else [*chosen, option]
    return key, [o for o in options if o in chosen]


async def viewer_step(s: Session, user, rng, t0: float) -> Record:
    """Open another dashboard page, or change a sidebar filter (a pill, Clear, or a shared link)."""
    current = next((t for t, h in s.pages.items() if h == s.page_hash), "")
    roll = rng.random()
    if roll < 0.5 or current not in VIEWER_PAGES:
        page = rng.choice([p for p in VIEWER_PAGES if p != current])
        # A page switch drops the query string; the app restores the filter from the session.
        return record(user, "page", page, await s.rerun(page=page, query=""), t0)
    if roll < 0.85:
        active = len(parse_qs(s.query))
        clear = s.widget_by_key("flt_clear", "button")
        if active >= 3 and clear is not None:
            return record(user, "filter-clear", current, await s.rerun(widgets=[trigger(clear.id)]), t0)
        key, values = _toggled(s.query, rng)
        widget = s.widget_by_key(key)
        if widget is not None:
            run = await s.rerun(widgets=[strings(widget.id, values)])
            return record(user, "filter-widget", current, run, t0)
    return record(user, "filter-url", current, await s.rerun(query=rng.choice(LINKS)), t0)


def _current_value(proto) -> float:
    return float(proto.value if proto.set_value else proto.default)


async def editor_step(s: Session, user, rng, customer_id: int, t0: float) -> list[Record]:
    """Open a customer's 360 and save a new risk score of its segment through the edit form, as
    the browser submits it: the form's number input and the submit button's trigger."""
    opened = record(user, "open", SAVE_PAGE, await s.rerun(page=SAVE_PAGE, query=f"id={customer_id}"), t0)
    opened.detail = f"customer {customer_id}"
    if opened.error:
        return [opened]
    risk = next((w for w in s.widgets.values() if w.kind == "number_input" and RISK_KEY.search(w.id)), None)
    button = s.submit_button(risk.form_id, "Save segment") if risk else None
    if risk is None or button is None:
        failed = Record(user.name, user.role, "save", SAVE_PAGE, 0.0, opened.at, saved=False)
        failed.detail = f"customer {customer_id}: no segment edit form on the page"
        return [opened, failed]
    segment_id = int(RISK_KEY.search(risk.id).group(1))
    old = _current_value(risk.proto)
    new = round(rng.uniform(1, 99), 2)
    while abs(new - old) < 0.01:
        new = round(rng.uniform(1, 99), 2)
    await asyncio.sleep(rng.uniform(0.3, 1.0))  # typing
    run = await s.rerun(widgets=[number(risk.id, new), trigger(button.id)])
    saved = record(user, "save", SAVE_PAGE, run, t0)
    success = [b for b in run.alerts_of("success") if "saved" in b]
    saved.saved = run.error is None and bool(success) and not run.alerts_of("error", "warning")
    saved.segment = (segment_id, new)
    saved.detail = f"customer {customer_id} segment {segment_id}: " + (
        "; ".join(run.alerts_of("error", "warning", "info")) or (success[0] if success else "no message")
    )
    return [opened, saved]


async def warm_up(base_url: str, token: str) -> list[str]:
    """Render every dashboard page once (the first one loads the server's analytics copy)."""
    s = Session(base_url, token, timeout=1800)
    await s.connect()
    problems = []
    for page in VIEWER_PAGES:
        run = await s.rerun(page=page, query="")
        if run.error:
            problems.append(f"warm-up {page}: {run.error}")
    await s.close()
    return problems


async def connect(s: Session, user, t0: float) -> Record:
    """Open the tab: the user's first page (signed in by the cookie)."""
    try:
        await s.connect()
    except Exception as exc:  # noqa: BLE001 - a refused connection counts as an error page
        return Record(user.name, user.role, "connect", "", 0.0, time.monotonic() - t0, error=repr(exc))
    first = f"id={user.customers[0]}" if user.customers else ""
    run = await s.rerun(page_name="customer" if user.customers else "", query=first)
    return record(user, "connect", "", run, t0)


async def simulate(user, base_url: str, args, t0: float, out: list[Record]) -> None:
    rng = random.Random(f"{args.seed}-{user.index}")
    deadline = t0 + args.seconds
    await asyncio.sleep(rng.uniform(0, min(5.0, args.seconds / 20)))  # not all in the same instant
    s = Session(base_url, user.token, timeout=args.timeout)
    out.append(await connect(s, user, t0))
    todo = list(user.customers)
    while True:
        pause = rng.uniform(3, 6) if user.role == "editor" else rng.uniform(2, 5)
        if time.monotonic() + pause >= deadline or (user.role == "editor" and not todo):
            break
        await asyncio.sleep(pause)
        if not s.connected:  # closed by the server while the user was idle (or a failed connect, counted)
            gone = Record(user.name, user.role, "disconnect", "", 0.0, time.monotonic() - t0)
            gone.error = f"disconnected ({s.closed_reason})"
            out.extend([gone] if s.ws is not None else [])
        elif user.role == "editor":
            out.extend(await editor_step(s, user, rng, todo.pop(0), t0))
        else:
            out.append(await viewer_step(s, user, rng, t0))
        if not s.connected:  # counted above; open the app again, as a reload would
            await s.close()
            out.append(await connect(s, user, t0))
    await s.close()


async def run_users(people, urls: list[str], args) -> tuple[list[Record], float, float]:
    records: list[Record] = []
    t0 = time.monotonic()
    tasks = [simulate(u, urls[u.index % len(urls)], args, t0, records) for u in people]
    await asyncio.gather(*tasks)
    return records, t0, time.monotonic()
