"""A classroom at once (issue #8): N students open the race page, move a slider, then visit
one of the Networks pages (playground, gradients lab, activations: student i gets page
i mod 3), all at the same moment, over Streamlit's own websocket protocol.

For each N it prints sessions served, failures, first-paint / slider-rerun / network-page
latency (median / p95 / max), and the server's CPU seconds and RSS before / peak / after
(summed over the server processes and their children, read from /proc). A second full round
(``--rounds 2``) repeats every N with new slider values; RSS after round 2 should not be higher
than after round 1 (caches are bounded, compiled kernels are shared).

  .venv/bin/python benchmarks/load.py                      # starts its own server
  .venv/bin/python benchmarks/load.py --sessions 10,20,40 --rounds 2
  .venv/bin/python benchmarks/load.py --port 8501          # a server already running
  .venv/bin/python benchmarks/load.py --url http://127.0.0.1:8080 --pid 123,456   # via nginx
  .venv/bin/python benchmarks/load.py --replicas 1,2 --sessions 20   # nginx + K processes each
  .venv/bin/python benchmarks/load.py --browsers 3         # plus 3 real Chromium pages

``--diverse`` plays two classes per N and round, one after the other: *same*, where every
student keeps the default shapes and changes only a hyperparameter (a seed, a learning
rate: new work, no new kernel), and *diverse*, where every student opens every page with
a scene nobody else chose (another surface, step count and racers on the race; another
network, data set, points, epochs or batch size on the Networks and Foundations pages;
see ``benchmarks/scenes.py``). Student i visits page i mod 9 after the race (the three
Networks pages, the five Foundations pages, the landscape). It prints each class's
figures, the XLA compilations each round caused in the server (its
``OPTIVIZ_COMPILE_LOG``; ``--compile-log`` for a server started elsewhere) and the p95
ratio diverse / same, the figure the classroom target is judged by (<= 1.5).

  .venv/bin/python benchmarks/load.py --diverse --sessions 40 --rounds 3

``--replicas`` runs ``deploy/replicas.sh`` (needs Debian's nginx: ``apt-get install -y nginx``)
and prints the gain of K processes behind nginx over one.

Definitions. first paint: the socket opens -> the first chart of the race page arrives
(what a student waits for). slider rerun: the widget change is sent -> the script has
finished (the whole page is up to date). network page: switching to the student's
Networks page -> script finished (also shown per page). A session fails on a connection
error, a timeout (``--timeout``), an exception shown on a page, or a script that does not
finish cleanly.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import logging
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
# scenes imports the page modules: Streamlit's "no runtime" warnings are not for us
logging.disable(logging.WARNING)
import scenes  # noqa: E402

logging.disable(logging.NOTSET)
from loadlib import Monitor, PageError, Session, mib, p95, pids_on_port, summary, usage  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
#: sliders a student may move on the race page (keys of the default optimizers' settings)
SLIDERS = ("momentum.momentum", "rmsprop.rho", "adam.beta_1", "adagrad.initial_accumulator_value")


@dataclass
class Result:
    first_paint: list[float] = field(default_factory=list)
    race_load: list[float] = field(default_factory=list)
    slider: list[float] = field(default_factory=list)
    network: list[float] = field(default_factory=list)
    by_page: dict[str, list[float]] = field(default_factory=dict)  # network page -> latencies
    failures: list[str] = field(default_factory=list)
    served: int = 0
    wall: float = 0.0
    browser: dict[str, list[float]] = field(default_factory=dict)
    kind: str = "same"  # the class: same (default shapes) or diverse (--diverse)
    compiles: dict[str, float] = field(default_factory=dict)  # kind -> count, and seconds

    def waits(self) -> list[float]:
        """Every request a student waited for: the race page, the slider, the next page."""
        return [*self.race_load, *self.slider, *self.network]


# ------------------------------------------------------------------ one student
async def student(url: str, i: int, seed: int, args: argparse.Namespace, res: Result) -> None:
    rng = random.Random(seed)
    s = Session(url, timeout=args.timeout)
    step = "connect"
    try:
        if args.ramp:
            await asyncio.sleep(rng.uniform(0, args.ramp))
        scene = scenes.diverse if res.kind == "diverse" else scenes.same
        t0 = time.perf_counter()
        await s.connect()
        t_open = time.perf_counter() - t0
        step = f"/{args.page}"
        v = await s.run(args.page, query=scene(args.page, rng) if args.diverse else None)
        res.race_load.append(time.perf_counter() - t0)
        if v.first_chart is None:
            raise PageError(f"/{args.page} drew no chart")
        res.first_paint.append(t_open + v.first_chart)
        if v.errors:
            raise PageError(f"/{args.page} showed an error: {v.errors[0]}")

        step = "slider"
        choices = [s.sliders[k] for k in SLIDERS if k in s.sliders] or list(s.sliders.values())
        if not choices:
            raise PageError(f"/{args.page} drew no slider")
        sl = choices[i % len(choices)]
        notches = max(1, round((sl.high - sl.low) / sl.step)) if sl.step else 100
        value = sl.value
        while value == sl.value:  # a new value, different for each student and round
            value = round(sl.low + rng.randint(0, notches) * (sl.step or 0.01), 6)
        v = await s.run(args.page, {sl.id: value})
        res.slider.append(v.seconds)

        network = args.networks[i % len(args.networks)]
        step = f"/{network}"
        v = await s.run(network, query=scene(network, rng) if args.diverse else "")
        res.network.append(v.seconds)
        res.by_page.setdefault(network, []).append(v.seconds)
        if v.errors:
            raise PageError(f"/{network} showed an error: {v.errors[0]}")
        res.served += 1
    except Exception as err:  # every failure is counted and printed, none stops the round
        detail = f"{type(err).__name__}: {err}" if str(err) else type(err).__name__
        res.failures.append(f"session {i} at {step}: {detail}"[:300])
        if args.verbose:
            traceback.print_exc()
    finally:
        with contextlib.suppress(Exception):
            await s.close()


# ------------------------------------------------------------------ real browsers
async def browser_students(url: str, k: int, args: argparse.Namespace, res: Result) -> None:
    """K Chromium pages doing what the socket sessions do (first paint, Steps slider, page)."""
    from playwright.async_api import async_playwright

    from optiviz._chromium import CHROMIUM, CHROMIUM_ARGS

    rendered = """() => {
      const p = document.querySelectorAll('[data-testid="stPlotlyChart"] .js-plotly-plot');
      return p.length > 0 && document.querySelectorAll('[data-stale="true"]').length === 0
        && Array.from(p).every(x => x._fullLayout);
    }"""
    out = res.browser
    for key in ("first_paint", "slider", "network"):
        out.setdefault(key, [])

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)

        async def one(j: int) -> None:
            ctx = await browser.new_context(viewport={"width": 1400, "height": 900})
            page = await ctx.new_page()
            ms = args.timeout * 1000
            try:
                t0 = time.perf_counter()
                await page.goto(f"{url}/{args.page}", timeout=ms)
                await page.wait_for_function(rendered, timeout=ms)
                out["first_paint"].append(time.perf_counter() - t0)
                slider = page.get_by_role("slider", name="Steps")
                await slider.focus()
                t0 = time.perf_counter()
                await slider.press("ArrowRight")
                await page.wait_for_function(
                    "() => new URLSearchParams(location.search).get('steps') !== null", timeout=ms
                )
                await page.wait_for_function(rendered, timeout=ms)
                out["slider"].append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                await page.goto(f"{url}/{args.networks[j % len(args.networks)]}", timeout=ms)
                await page.wait_for_function(rendered, timeout=ms)
                out["network"].append(time.perf_counter() - t0)
            except Exception as err:
                res.failures.append(f"browser {j}: {type(err).__name__}: {str(err)[:200]}")
            finally:
                await ctx.close()

        await asyncio.gather(*(one(j) for j in range(k)))
        await browser.close()


# ------------------------------------------------------------------ a round
def compile_lines(args) -> list[list[str]]:
    """The server's compile log so far (``OPTIVIZ_COMPILE_LOG``), one split line each."""
    path = args.compile_log
    if not path or not Path(path).exists():
        return []
    return [ln.split() for ln in Path(path).read_text().splitlines() if ln.strip()]


async def one_round(
    url: str, n: int, rnd: int, roots: list[int], args, kind: str = "same"
) -> tuple[Result, Monitor]:
    res = Result(kind=kind)
    mon = Monitor(roots)
    before = len(compile_lines(args))
    mon.start()
    t0 = time.perf_counter()
    seeds = [hash((rnd, n, i, args.seed, kind)) for i in range(n)]
    jobs = [student(url, i, seeds[i], args, res) for i in range(n)]
    if args.browsers:
        jobs.append(browser_students(url, args.browsers, args, res))
    await asyncio.gather(*jobs)
    res.wall = time.perf_counter() - t0
    await mon.stop()
    new = compile_lines(args)[before:]
    for kind_ in ("compile", "cache-load", "store-load"):
        hits = [float(ln[2]) for ln in new if len(ln) > 2 and ln[1] == kind_]
        res.compiles[kind_] = len(hits)
        res.compiles[f"{kind_} s"] = sum(hits)
    res.compiles["names"] = sorted({ln[4] for ln in new if len(ln) > 4})  # type: ignore[assignment]
    return res, mon


def report(n: int, rnd: int, res: Result, mon: Monitor) -> None:
    cls = f", class: {res.kind}" if args_global.diverse else ""
    print(f"\n--- round {rnd}, N = {n} sessions (all at once{cls}) ---")
    print(f"sessions served        {res.served}/{n}    failures {len(res.failures)}")
    if args_global.compile_log:
        c = res.compiles
        names = ", ".join(c.get("names", [])[:8])
        print(
            f"XLA compilations       {c.get('compile', 0)} compiled "
            f"({c.get('compile s', 0):.1f} s), {c.get('cache-load', 0)} loaded from disk "
            f"({c.get('cache-load s', 0):.1f} s), {c.get('store-load', 0)} from the "
            f"executable store ({c.get('store-load s', 0):.1f} s)"
            f"{': ' + names if names else ''}"
        )
    for f in res.failures[:10]:
        print(f"  ! {f}")
    if len(res.failures) > 10:
        print(f"  ! ... and {len(res.failures) - 10} more")
    print("latency (s)              median    p95     max")
    print(f"  first paint (chart)  {summary(res.first_paint)}")
    print(f"  race page complete   {summary(res.race_load)}")
    print(f"  slider rerun         {summary(res.slider)}")
    print(f"  network page         {summary(res.network)}")
    print(f"  every request        {summary(res.waits())}")
    if len(res.by_page) > 1:
        for name, vals in sorted(res.by_page.items()):
            print(f"    /{name:<18} {summary(vals)}   ({len(vals)} students)")
    for key, vals in res.browser.items():
        print(f"  chromium {key:<12}{summary(vals)}   ({len(vals)} pages)")
    print(f"wall time              {res.wall:.1f} s  ({n / res.wall:.2f} sessions/s)")
    if mon.before:
        print(
            f"server CPU             {mon.after.cpu - mon.before.cpu:.1f} s "
            f"(over {res.wall:.1f} s wall: {(mon.after.cpu - mon.before.cpu) / res.wall:.2f} cores)"
        )
        print(
            f"server RSS             before {mib(mon.before.rss)}   peak {mib(mon.peak)}"
            f"   after {mib(mon.after.rss)}"
        )
    target = p95(res.slider)
    verdict = "ok" if res.served == n and target <= args_global.p95_target else "MISSED"
    print(f"target (all served, slider p95 <= {args_global.p95_target} s): {verdict}")


# ------------------------------------------------------------------ servers
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, timeout: float = 180) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=3).read() == b"ok":
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"no healthy server at {url} after {timeout:.0f} s")


def start_server(port: int, session_ttl: int) -> subprocess.Popen:
    """``optiviz`` on 127.0.0.1:``port``; its output goes to ``proc.log`` (a temp file)."""
    log = Path(tempfile.mkstemp(prefix=f"optiviz-{port}-", suffix=".log")[1])
    with log.open("w") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "optiviz.cli",
                "--port",
                str(port),
                "--address",
                "127.0.0.1",
                f"--server.disconnectedSessionTTL={session_ttl}",
            ],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    proc.log = log  # type: ignore[attr-defined]
    return proc


def stop_server(proc: subprocess.Popen | None) -> None:
    """End a server :func:`start_server` started (its whole process group)."""
    if proc is not None:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def wait_warmed_up(logs: list[Path], timeout: float = 600) -> None:
    """Wait for each server's warm-up (it opens every page once as the server starts,
    optiviz.ui.warmup) so a round does not share the cores with it; prints its line."""
    deadline = time.time() + timeout
    for log in logs:
        while time.time() < deadline:
            text = log.read_text(errors="replace") if log.exists() else ""
            line = next((ln for ln in text.splitlines() if ln.startswith("optiviz: warm")), "")
            if line or os.environ.get("OPTIVIZ_WARMUP") == "0":
                print(line or "warm-up off (OPTIVIZ_WARMUP=0)")
                break
            time.sleep(0.5)
        else:
            print(f"no warm-up line in {log} after {timeout:.0f} s: measuring anyway")


async def settle(url: str, roots: list[int], args) -> int:
    """The server's RSS once the round's sessions are gone: Streamlit keeps a closed
    session for ``server.disconnectedSessionTTL`` seconds (a reconnect may want it) and
    drops expired ones when the next session connects, so wait that long, connect and
    close one probe session, then read /proc."""
    await asyncio.sleep(args.session_ttl + 1)
    probe = Session(url, timeout=args.timeout)
    with contextlib.suppress(Exception):
        await probe.connect()
        await probe.close()
    await asyncio.sleep(1)
    return usage(roots).rss


async def warm(url: str, args) -> None:
    """The teacher opens the pages before class: imports, compiles, first figures."""
    t0 = time.perf_counter()
    s = Session(url, timeout=max(args.timeout, 300))
    await s.connect()
    times = []
    for page in (args.page, *args.networks):
        try:
            v = await s.run(page, query="" if page != args.page else None)
            times.append(f"/{page} {v.seconds:.1f} s")
        except Exception as err:  # shown, and the students will meet it again below
            times.append(f"/{page} FAILED ({type(err).__name__}: {str(err)[:160]})")
    await s.close()
    print(
        f"teacher's first visit (cold server): {', '.join(times)}, "
        f"total {time.perf_counter() - t0:.1f} s"
    )


async def measure(url: str, roots: list[int], args, warm_urls: list[str] | None = None) -> dict:
    """Every N, ``args.rounds`` times; returns per-round results for the summaries."""
    if roots:
        u = usage(roots)
        print(f"server processes {roots}: CPU {u.cpu:.1f} s, RSS {mib(u.rss)} at start")
    if not args.no_warm:
        for target in warm_urls or [url]:  # behind nginx: each process directly
            await warm(target, args)
    if roots:
        u = usage(roots)
        print(f"after the teacher's visit: CPU {u.cpu:.1f} s, RSS {mib(u.rss)}")
    rounds: dict[int, list[tuple[int, Result, Monitor]]] = {}
    settled: dict[int, int] = {}
    kinds = ("same", "diverse") if args.diverse else ("same",)
    for rnd in range(1, args.rounds + 1):
        for n in args.sessions:
            for kind in kinds:
                res, mon = await one_round(url, n, rnd, roots, args, kind)
                report(n, rnd, res, mon)
                rounds.setdefault(rnd, []).append((n, res, mon))
                await asyncio.sleep(args.pause)
        if roots:
            settled[rnd] = await settle(url, roots, args)
            print(f"\n=== RSS after round {rnd}: {mib(settled[rnd])} (sessions closed) ===")
    if roots and args.rounds >= 2:
        ends = list(settled.values())
        ok = all(b <= a * (1 + args.rss_slack) for a, b in itertools.pairwise(ends))
        joined = " -> ".join(mib(e).strip() for e in ends)
        print(
            f"\nRSS after each full round: {joined}: "
            f"{'not growing' if ok else 'GROWING'} (slack {args.rss_slack:.0%})"
        )
    return rounds


def table(rounds: dict) -> None:
    print("\nsummary (round, N, served, failures, first paint p95, slider p95, max, RSS peak)")
    for rnd, rs in rounds.items():
        for n, res, mon in rs:
            print(
                f"  {rnd}  {n:4d}  {res.served:4d}  {len(res.failures):4d}  "
                f"{p95(res.first_paint):7.2f}  {p95(res.slider):7.2f}  "
                f"{max(res.slider, default=float('nan')):7.2f}  "
                f"{mib(mon.peak) if mon.before else '-'}"
                + (f"  {res.kind}" if args_global.diverse else "")
            )
    if args_global.diverse:
        diverse_table(rounds)


def diverse_table(rounds: dict) -> None:
    """The diverse class against the same-shapes class of the same round and N."""
    print(
        "\ndiverse vs same (every request a student waited for: race page, slider, next page)"
        "\n  (kernels: compiled + loaded from JAX's cache + loaded from the executable store)"
        "\n  round     N   served    p95 same  p95 diverse   ratio    max diverse  kernels"
    )
    worst = 0.0
    for rnd, rs in rounds.items():
        by = {(n, res.kind): res for n, res, _ in rs}
        for n in dict.fromkeys(n for n, _, _ in rs):
            a, b = by.get((n, "same")), by.get((n, "diverse"))
            if a is None or b is None:
                continue
            pa, pb = p95(a.waits()), p95(b.waits())
            ratio = pb / max(pa, 1e-9)
            worst = max(worst, ratio)
            comp = "{}+{}+{}".format(
                *(b.compiles.get(k, 0) for k in ("compile", "cache-load", "store-load"))
            )
            print(
                f"  {rnd:5d}  {n:4d}  {b.served:3d}/{n:<4d} {pa:8.2f}  {pb:11.2f}  {ratio:6.2f}x"
                f"  {max(b.waits(), default=float('nan')):12.2f}  "
                f"{comp if args_global.compile_log else '-'}"
            )
    verdict = "ok" if worst <= args_global.diverse_target else "MISSED"
    print(f"target (p95 diverse <= {args_global.diverse_target}x same): {verdict} ({worst:.2f}x)")


# ------------------------------------------------------------------ nginx + replicas
def replicas_run(ks: list[int], args) -> None:
    script = ROOT / "deploy" / "replicas.sh"
    state = Path(os.environ.get("OPTIVIZ_REPLICAS_STATE", "/tmp/optiviz-replicas"))
    summaries = {}
    for k in ks:
        print(f"\n##### {k} optiviz process(es) behind nginx on 127.0.0.1:{args.nginx_port} #####")
        cmd = f"{sys.executable} -m optiviz.cli --server.disconnectedSessionTTL={args.session_ttl}"
        env = {**os.environ, "OPTIVIZ_REPLICAS_STATE": str(state), "OPTIVIZ_CMD": cmd}
        subprocess.run(
            [str(script), "start", str(k), str(args.nginx_port), str(args.base_port)],
            check=True,
            env=env,
        )
        try:
            url = f"http://127.0.0.1:{args.nginx_port}"
            roots = [int(p) for p in (state / "pids").read_text().split()]
            ports = range(args.base_port, args.base_port + k)
            wait_warmed_up([state / "logs" / f"optiviz-{port}.log" for port in ports])
            backends = [f"http://127.0.0.1:{args.base_port + i}" for i in range(k)]
            rounds = asyncio.run(measure(url, roots, args, warm_urls=backends))
            table(rounds)
            summaries[k] = rounds
        finally:
            subprocess.run([str(script), "stop"], env=env, check=False)
    base = ks[0]
    print(f"\ngain of K processes over {base} (behind the same nginx; last round)")
    print("  K     N   served  sessions/s   slider p95   first paint p95")
    last = {k: rs[max(rs)] for k, rs in summaries.items()}
    for k in ks:
        for (n, res, _), (_, res0, _) in zip(last[k], last[base], strict=True):
            thr, thr0 = n / res.wall, n / res0.wall
            print(
                f"  {k}  {n:4d}  {res.served:4d}/{n:<4d} {thr:6.2f} ({thr / thr0:4.2f}x)"
                f"  {p95(res.slider):6.2f} ({p95(res0.slider) / max(p95(res.slider), 1e-9):4.2f}x)"
                f"  {p95(res.first_paint):6.2f} "
                f"({p95(res0.first_paint) / max(p95(res.first_paint), 1e-9):4.2f}x)"
            )


# ------------------------------------------------------------------ main
def parse_args(argv=None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--sessions", default="10,20,40", help="comma-separated N (default 10,20,40)")
    ap.add_argument("--rounds", type=int, default=2, help="full rounds over every N (default 2)")
    ap.add_argument("--url", help="an existing server (or nginx), e.g. http://127.0.0.1:8080")
    ap.add_argument("--port", type=int, help="an existing server on 127.0.0.1:PORT")
    ap.add_argument("--pid", default="", help="server pid(s) to read /proc for (default: found)")
    ap.add_argument("--replicas", default="", help="e.g. 1,2: nginx + K processes, print gain")
    ap.add_argument("--nginx-port", type=int, default=8080)
    ap.add_argument("--base-port", type=int, default=8501, help="first replica's port")
    ap.add_argument("--browsers", type=int, default=0, help="add K real Chromium pages per N")
    ap.add_argument("--page", default="race", help="the page students open (default race)")
    ap.add_argument(
        "--network",
        default="playground,gradients,activations",
        help="the Networks page(s) they visit, comma-separated: student i visits page i mod "
        "their number (default: all three Networks pages)",
    )
    ap.add_argument("--timeout", type=float, default=300, help="per step, seconds")
    ap.add_argument("--ramp", type=float, default=0.0, help="spread arrivals over S seconds")
    ap.add_argument("--pause", type=float, default=2.0, help="seconds between rounds")
    ap.add_argument(
        "--session-ttl",
        type=int,
        default=5,
        help="server.disconnectedSessionTTL of the servers this script starts (Streamlit's "
        "default is 120 s; an existing server's own setting applies with --url/--port)",
    )
    ap.add_argument("--p95-target", type=float, default=2.0)
    ap.add_argument("--rss-slack", type=float, default=0.02, help="RSS noise allowed, fraction")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--diverse",
        action="store_true",
        help="play a same-shapes class and a diverse class per N and round (scenes.py)",
    )
    ap.add_argument("--diverse-target", type=float, default=1.5, help="p95 ratio allowed")
    ap.add_argument(
        "--compile-log",
        default="",
        help="the server's OPTIVIZ_COMPILE_LOG file (set for the servers this script starts)",
    )
    ap.add_argument("--no-warm", action="store_true", help="skip the teacher's first visit")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    args.sessions = [int(v) for v in args.sessions.split(",") if v]
    if args.diverse and args.network == ap.get_default("network"):
        args.network = ",".join(scenes.PAGES)
    args.networks = [v.strip().strip("/") for v in args.network.split(",") if v.strip()]
    if not args.networks:
        ap.error("--network needs at least one page")
    return args


def describe_machine() -> None:
    load = os.getloadavg()
    print(
        f"machine: {os.cpu_count()} CPUs, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
        f" (a busy machine slows every number below)"
    )


def main(argv=None) -> None:
    global args_global
    args = args_global = parse_args(argv)
    describe_machine()
    if not args.compile_log and not (args.url or args.port):
        # the servers this script starts log their compilations here
        args.compile_log = tempfile.mkstemp(prefix="optiviz-compiles-", suffix=".log")[1]
        os.environ["OPTIVIZ_COMPILE_LOG"] = args.compile_log
        print(f"compile log: {args.compile_log}")
    if args.replicas:
        replicas_run([int(k) for k in args.replicas.split(",")], args)
        return
    proc = None
    if args.url or args.port:
        url = (args.url or f"http://127.0.0.1:{args.port}").rstrip("/")
        port = args.port or int(url.rsplit(":", 1)[1].split("/")[0])
        roots = [int(p) for p in args.pid.split(",") if p] or pids_on_port(port)
        wait_healthy(url)
        print(f"server: {url} (pids {roots or 'unknown: no CPU/RSS figures'})")
    else:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        proc = start_server(port, args.session_ttl)
        roots = [proc.pid]
        print(f"server: started `python -m optiviz.cli --port {port}` (pid {proc.pid})")
        wait_healthy(url)
        wait_warmed_up([proc.log])
    try:
        rounds = asyncio.run(measure(url, roots, args))
        table(rounds)
    finally:
        stop_server(proc)


args_global: argparse.Namespace

if __name__ == "__main__":
    main()
