"""Desktop viewer benchmark (run under a display, e.g. ``xvfb-run -a -s "-screen 0 1600x1000x24"``).
Prints JSON.

- launch: process start -> main window shown (fresh interpreter, imports included);
- open_60s_to_first_frame: open a 60 s, 100 Hz walking trial (.mot, written from a demo trial
  resampled to 100 Hz and repeated) -> first 3D frame drawn (read + quick forward kinematics in
  the worker, then the views); the analysis goes on in the background;
- open_60s_to_metrics: open -> the metrics panel filled (the background analysis done);
- playback_fps: frames drawn per second by the 3D view (vispy draw events, not timer ticks) while
  playing at 1x, window 1280x800 with the joint-angle curves visible (cursor moving), software GL
  (llvmpipe) on Xvfb; also the CPU time per drawn frame (all threads, and the UI thread alone),
  which stays meaningful when other processes share the cores.

    xvfb-run -a -s "-screen 0 1600x1000x24" python benchmarks/bench_gui.py
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def _child_launch() -> None:
    """Runs in a fresh interpreter: build the window, show it, say when it is on screen."""
    from lmm_desktop.ui.app import make_app
    from lmm_desktop.ui.main_window import MainWindow
    from lmm_desktop.ui.settings import default_settings

    app = make_app()
    win = MainWindow(default_settings())
    win.show()
    app.processEvents()
    print("shown", flush=True)
    win.close()


def bench_launch(repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, __file__, "--child-launch"],
            stdout=subprocess.PIPE,
            text=True,
            env=os.environ.copy(),
        )
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.strip() == "shown":
                times.append(time.perf_counter() - t0)
                break
        proc.wait()
    return min(times)


def make_long_trial(folder: Path, seconds: float = 60.0, rate_hz: float = 100.0) -> Path:
    """A ``seconds`` long walking .mot at ``rate_hz``: a demo walking trial resampled and
    repeated, the pelvis moving on."""
    from lmm_desktop.core.canonical import Kinematics
    from lmm_desktop.io import read_trial, write_trial

    demo = sorted((ROOT / "resources" / "demo").glob("*walking*.mot"))
    if not demo:
        raise SystemExit("resources/demo has no walking trial to build the 60 s trial from")
    src = read_trial(demo[0])
    kin = src.kinematics
    assert kin is not None
    t_src = src.time - src.time[0]
    t_one = np.arange(0.0, t_src[-1], 1.0 / rate_hz)  # (m,), seconds, one pass at rate_hz

    def resample(a: np.ndarray) -> np.ndarray:  # (n_src, k) -> (m, k)
        return np.stack([np.interp(t_one, t_src, col) for col in a.T], axis=1)

    reps = int(np.ceil(seconds / t_one[-1]))
    n = round(seconds * rate_hz)
    one_trans = resample(kin.pelvis_translation)
    step = kin.pelvis_translation[-1] - kin.pelvis_translation[0]
    step[1] = 0.0
    trans = np.concatenate([one_trans + k * step for k in range(reps)])[:n]
    angles = np.tile(resample(kin.angles), (reps, 1))[:n]  # (n, 34), degrees
    rot = np.tile(resample(kin.pelvis_rotation), (reps, 1))[:n]
    long_kin = Kinematics(
        angles=angles, present=kin.present, pelvis_rotation=rot, pelvis_translation=trans
    )
    time_s = np.arange(n) / rate_hz  # (n,), seconds
    trial = type(src)(
        time=time_s,
        rate_hz=rate_hz,
        source=None,
        kinematics=long_kin,
        provenance=src.provenance,
        subject=src.subject,
    )
    return write_trial(trial, folder / "walking_60s.mot")


def bench_open_and_play(path: Path, play_s: float, theme: str = "light") -> dict[str, float]:
    from PySide6.QtCore import QSettings

    from lmm_desktop.ui.app import make_app
    from lmm_desktop.ui.main_window import MainWindow

    app = make_app()
    with tempfile.TemporaryDirectory() as tmp:
        win = MainWindow(
            QSettings(str(Path(tmp) / "ui.ini"), QSettings.Format.IniFormat), theme=theme
        )
        win.resize(1280, 800)
        win.show()
        for _ in range(10):
            app.processEvents()
        draws = [0]
        win.skeleton.canvas.events.draw.connect(lambda _e: draws.__setitem__(0, draws[0] + 1))
        analysed: list[float] = []
        win.analysis_updated.connect(lambda _r: analysed.append(time.perf_counter()))
        t0 = time.perf_counter()
        win.open_path(path)
        while win.loaded is None:
            app.processEvents()
            time.sleep(0.001)
        start_draws = draws[0]
        while draws[0] == start_draws:
            app.processEvents()
        first_frame_s = time.perf_counter() - t0
        while win.busy or not analysed:
            app.processEvents()
            time.sleep(0.001)
        metrics_s = analysed[0] - t0
        timings = dict(win.loaded.timings_s)
        assert win.clock is not None
        n_frames = win.clock.n_frames
        for _ in range(10):
            app.processEvents()
        draws[0] = 0
        win.clock.play()
        t1, c1, u1 = time.perf_counter(), time.process_time(), time.thread_time()
        frames_seen = set()
        while time.perf_counter() - t1 < play_s:
            app.processEvents()
            frames_seen.add(win.clock.frame)
        elapsed = time.perf_counter() - t1
        cpu, ui_cpu = time.process_time() - c1, time.thread_time() - u1
        win.clock.pause()
        drawn = max(draws[0], 1)
        win.close()
    return {
        "open_60s_to_first_frame_s": round(first_frame_s, 3),
        "open_60s_to_metrics_s": round(metrics_s, 3),
        "open_60s_read_s": round(timings.get("read", float("nan")), 3),
        "open_60s_fk_s": round(timings.get("fk", float("nan")), 3),
        "open_60s_analysis_s": round(timings.get("analysis", float("nan")), 3),
        "open_60s_frames": n_frames,
        "playback_fps_1280x800_with_curves": round(draws[0] / elapsed, 1),
        "playback_distinct_frames_shown": len(frames_seen),
        "playback_cpu_ms_per_frame_all_threads": round(1000 * cpu / drawn, 1),
        "playback_cpu_ms_per_frame_ui_thread": round(1000 * ui_cpu / drawn, 1),
        "load_average_1min": round(os.getloadavg()[0], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="launch repetitions (best kept)")
    parser.add_argument("--play", type=float, default=5.0, help="seconds of playback to time")
    parser.add_argument("--theme", choices=("light", "dark"), default="light")
    parser.add_argument("--child-launch", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_launch:
        _child_launch()
        return
    if not os.environ.get("DISPLAY"):
        raise SystemExit("no display: run under xvfb-run (vispy does not render offscreen)")
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("LMM_DESKTOP_HOME", str(Path(tmp) / "home"))
        long_trial = make_long_trial(Path(tmp))
        result: dict[str, object] = {
            "launch_to_window_shown_s": round(bench_launch(args.repeat), 3)
        }
        result.update(bench_open_and_play(long_trial, args.play, args.theme))
    result["machine"] = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "gl": "Mesa llvmpipe under Xvfb (software)",
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
