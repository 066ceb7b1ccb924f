"""A live class under load: one teacher and N students through S scenes of a lesson.

    .venv/bin/python benchmarks/classroom.py                  # 40 students, 10 scenes, 1 process
    .venv/bin/python benchmarks/classroom.py --replicas 2     # 2 processes behind nginx
    .venv/bin/python benchmarks/classroom.py --url http://host:8501   # a running server

Every student is a websocket session doing what its browser does: it joins by the
code, reruns its polling fragment as often as the page asks (``st.fragment(run_every=…)`` makes
a browser do), and answers each question after a few seconds of thought. The teacher
starts the class from the built-in lesson, waits until the scenes are prepared, then
clicks Next through the scenes and Reveal after each question. Figures:

* **follow**: teacher's Next click -> each student's screen showing the new scene
  (target: p95 within 2 s);
* **answers**: a student's answer click -> the teacher's live panel counting it (its
  own 0.5 s timer; target: p95 within 1 s);
* **reveal**: teacher's Reveal click -> each student's screen saying right or wrong;
* the servers' CPU seconds and memory (RSS) after the class.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from classlib import Student, Teacher  # noqa: E402
from loadlib import mib, process_tree, usage  # noqa: E402

ROOT = HERE.parent


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    v = sorted(values)
    return v[min(len(v) - 1, round(q * (len(v) - 1)))]


def line(name: str, values: list[float], target: float | None) -> str:
    if not values:
        return f"{name:<10} (none)"
    p95 = pct(values, 0.95)
    judged = f"   target {target:g} s: p95 / target x{p95 / target:.2f}" if target else ""
    return (
        f"{name:<10} n={len(values):4d}  p50 {pct(values, 0.5):5.2f} s  p95 {p95:5.2f} s  "
        f"max {max(values):5.2f} s{judged}"
    )


async def until_every_screen(
    click, lock: asyncio.Lock, class_: list[Student], seen: str, scene: int
) -> tuple[list[float], int]:
    """The teacher clicks; seconds until each student's screen shows it (``seen``: the
    students' record of when each scene, or its reveal, appeared), and how many screens
    never did within 30 s."""
    t0 = time.perf_counter()
    async with lock:
        await click()
    deadline = t0 + 30
    while time.perf_counter() < deadline and any(scene not in getattr(s, seen) for s in class_):
        await asyncio.sleep(0.05)
    took = [max(0.0, getattr(s, seen)[scene] - t0) for s in class_ if scene in getattr(s, seen)]
    return took, len(class_) - len(took)


async def explore(s: Student, rng: random.Random) -> bool:
    """A student moves a slider of the revealed scene to a value of their own, so that
    their screen leaves the class's scene (the class must not pull them back). A slider
    that changes nothing of the scene (one greyed out, say) is left for the next one."""
    for key in [k for k in (s.last.sliders if s.last else []) if k in s.s.sliders][:4]:
        sl = s.s.sliders[key]
        steps = max(1, round((sl.high - sl.low) / (sl.step or 1)))
        value = sl.low + (sl.step or 1) * rng.randint(0, steps)
        if value == sl.value:
            value = sl.high if sl.value != sl.high else sl.low
        before = s.s.query
        async with s.lock:
            await s.s.run(None, widgets={sl.id: value})
        if s.s.query != before:
            return True
    return False


async def come_back(s: Student, scene: int, timeout: float = 15) -> float | None:
    """An exploring student sees the bar "the class moved on" and follows it: seconds
    from their click to the class's scene on their screen (None: no bar came)."""
    deadline = time.perf_counter() + timeout
    while "cls_follow" not in s.s.widgets and time.perf_counter() < deadline:
        await asyncio.sleep(0.1)
    if "cls_follow" not in s.s.widgets:
        return None
    async with s.lock:
        t0 = time.perf_counter()
        s._saw(await s.s.run(None, clicks=("cls_follow",)))
    s.s.widgets.pop("cls_follow", None)
    return s.seen_at[scene] - t0 if scene in s.seen_at else None


async def run_class(
    url: str, students: int, scenes: int, lesson: str, seed: int = 0, explorers: int = 0
) -> dict:
    """One class; returns the latencies (seconds) and counts. ``explorers``: how many
    students move a slider of each revealed scene before the teacher moves on."""
    rng = random.Random(seed)
    teacher = Teacher(url)
    code = await teacher.start(lesson)
    t_prep = time.perf_counter()
    while True:  # the scenes are prepared while students join
        v = await teacher.live()
        if not any("preparing the scenes" in t for t in v.texts):
            break
        await asyncio.sleep(1.0)
        if time.perf_counter() - t_prep > 600:
            raise RuntimeError("the scenes were not prepared in 10 minutes")
    prepare_s = time.perf_counter() - t_prep
    class_ = [Student(url, i) for i in range(students)]
    for s in class_:  # a room joins over a few seconds
        await s.join(code)
        await asyncio.sleep(0.05)
    polls = [asyncio.create_task(s.poll()) for s in class_]
    follow: list[float] = []
    back: list[float] = []
    pulled = 0  # explorers the class took away from their own settings (must stay 0)
    away: list[Student] = []
    answers: list[float] = []
    reveals: list[float] = []
    missed = 0
    teacher_lock = asyncio.Lock()
    try:
        for scene in range(1, scenes + 1):
            if scene > 1:
                followers = [s for s in class_ if s not in away]
                took, left = await until_every_screen(teacher.next, teacher_lock, followers,
                                                      "seen_at", scene)  # fmt: skip
                follow += took
                missed += left
                pulled += sum(scene in s.seen_at for s in away)
                for s in away:  # a look at the bar, then "Back to the class"
                    t = await come_back(s, scene)
                    if t is None:
                        missed += 1
                    else:
                        back.append(t)
                away = []
            has_question = any(b.startswith("cls_reveal") for b in teacher.last.buttons)
            if not has_question:
                await asyncio.sleep(1.0)
                away = [s for s in class_[len(class_) - explorers :] if await explore(s, rng)]
                continue
            # students think, then answer; the teacher's panel ticks every 0.5 s
            seen_counts: list[tuple[float, int]] = []
            done = asyncio.Event()

            async def teacher_panel(done: asyncio.Event = done, seen=seen_counts) -> None:
                while not done.is_set():
                    async with teacher_lock:
                        v = await teacher.live()
                    n = next(
                        (int(t.split(" answered")[0].rsplit("· ", 1)[-1])
                         for t in v.texts if " answered" in t), 0,
                    )  # fmt: skip
                    seen.append((time.perf_counter(), n))
                    await asyncio.sleep(0.5)

            panel = asyncio.create_task(teacher_panel())

            async def think_and_answer(s: Student) -> float | None:
                await asyncio.sleep(0.5 + 3.5 * rng.random())
                t = time.perf_counter()
                return t if await s.answer() else None

            clicks = [t for t in await asyncio.gather(*map(think_and_answer, class_)) if t]
            deadline = time.perf_counter() + 15
            while time.perf_counter() < deadline and (
                not seen_counts or seen_counts[-1][1] < len(clicks)
            ):
                await asyncio.sleep(0.1)
            done.set()
            await panel
            # the k-th answer (in click order) is visible once the panel counts k
            for k, t in enumerate(sorted(clicks), 1):
                shown = next((ts for ts, n in seen_counts if n >= k and ts >= t), None)
                answers.append(shown - t if shown else 15.0)
            took, left = await until_every_screen(teacher.reveal, teacher_lock, class_,
                                                  "revealed_at", scene)  # fmt: skip
            reveals += took
            missed += left
            await asyncio.sleep(1.0)
            away = [s for s in class_[len(class_) - explorers :] if await explore(s, rng)]
    finally:
        for s in class_:
            s.stop = True
        for p in polls:
            p.cancel()
        errors = [e for s in class_ for e in s.errors]
        for s in class_:
            await s.close()
        await teacher.close()
    return {"follow": follow, "back": back, "pulled": pulled,
            "answers": answers, "reveals": reveals, "missed": missed,
            "errors": errors, "prepare_s": prepare_s, "code": code}  # fmt: skip


def start_one(port: int, state: str) -> subprocess.Popen:
    log = open(tempfile.mkstemp(prefix=f"optiviz-class-{port}-", suffix=".log")[1], "w")  # noqa: SIM115
    env = {**os.environ, "OPTIVIZ_STATE_DIR": state}
    return subprocess.Popen(
        [sys.executable, "-m", "optiviz.cli", "--port", str(port), "--address", "127.0.0.1"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env=env,
    )  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--students", type=int, default=40)
    ap.add_argument("--scenes", type=int, default=10)
    ap.add_argument("--lesson", default="module9")
    ap.add_argument(
        "--explorers",
        type=int,
        default=4,
        help="students who move a slider of each revealed scene (their own scene)",
    )
    ap.add_argument(
        "--replicas", type=int, default=0, help="K processes behind nginx (0: one, direct)"
    )
    ap.add_argument("--rounds", type=int, default=2, help="classes one after another")
    ap.add_argument("--url", default="", help="a server already running (nothing is started)")
    ap.add_argument("--port", type=int, default=8590)
    args = ap.parse_args(argv)
    sys.path.insert(0, str(HERE))
    from load import wait_healthy, wait_warmed_up

    state = tempfile.mkdtemp(prefix="optiviz-class-state-")
    procs: list[subprocess.Popen] = []
    script = ROOT / "deploy" / "replicas.sh"
    rep_state = Path(tempfile.mkdtemp(prefix="optiviz-class-replicas-"))
    env = {**os.environ, "OPTIVIZ_STATE_DIR": state, "OPTIVIZ_REPLICAS_STATE": str(rep_state),
           "OPTIVIZ_CMD": f"{sys.executable} -m optiviz.cli"}  # fmt: skip
    try:
        if args.url:
            url, roots = args.url, []
        elif args.replicas:
            subprocess.run([str(script), "start", str(args.replicas), "8089", str(args.port)],
                           check=True, env=env)  # fmt: skip
            url = "http://127.0.0.1:8089"
            roots = [int(p) for p in (rep_state / "pids").read_text().split()]
            wait_warmed_up([rep_state / "logs" / f"optiviz-{args.port + i}.log"
                            for i in range(args.replicas)])  # fmt: skip
        else:
            procs.append(start_one(args.port, state))
            url = f"http://127.0.0.1:{args.port}"
            roots = [p.pid for p in procs]
            wait_healthy(url)
            wait_warmed_up([Path(procs[0].stdout.name)] if procs[0].stdout else [])
        where = (f"{args.replicas} processes behind nginx" if args.replicas
                 else "1 process" if not args.url else args.url)  # fmt: skip
        for rnd in range(1, args.rounds + 1):  # each round a new class, the same server
            before = usage(roots) if roots else None
            t0 = time.perf_counter()
            res = asyncio.run(
                run_class(url, args.students, args.scenes, args.lesson, seed=rnd,
                          explorers=args.explorers)
            )  # fmt: skip
            wall = time.perf_counter() - t0
            after = usage(roots) if roots else None
            print(f"\nround {rnd}: live class of {args.students} students, {args.scenes} scenes "
                  f"of '{args.lesson}', {where}, {os.cpu_count()} cores")  # fmt: skip
            print(f"scenes prepared {res['prepare_s']:.1f} s after the class started; "
                  f"class {wall:.0f} s")  # fmt: skip
            print(line("follow", res["follow"], 2.0))
            print(line("answers", res["answers"], 1.0))
            print(line("reveal", res["reveals"], 2.0))
            print(line("back", res["back"], None) + f"   (explorers: {args.explorers}; "
                  f"pulled away from their own settings: {res['pulled']})")  # fmt: skip
            print(f"screens that never showed a scene or reveal: {res['missed']}; "
                  f"socket errors: {len(res['errors'])} {res['errors'][:2]}")  # fmt: skip
            if before and after:
                print(f"server CPU during the class {after.cpu - before.cpu:.1f} s "
                      f"({(after.cpu - before.cpu) / wall:.2f} cores on average); "
                      f"RSS {mib(before.rss)} -> {mib(after.rss)} "
                      f"({len(process_tree(roots))} processes)")  # fmt: skip
    finally:
        for p in procs:
            os.killpg(p.pid, 15)
        if args.replicas:
            subprocess.run([str(script), "stop"], env=env, check=False)


if __name__ == "__main__":
    main()
