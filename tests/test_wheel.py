"""The built wheel works on its own: installed into a fresh venv outside the checkout, `regen`
samples every domain from the checkpoints shipped inside the wheel.

The fresh venv reuses the dependencies of the running venv (torch etc.) through a `.pth` file
that lists that venv's site-packages. A plain path line in a `.pth` is appended to sys.path
without processing the `.pth` files inside it, so the editable install of the checkout
(`__editable__.regen-*.pth` -> src/) never becomes visible in the new venv.

The prepared-data cache is regen's usual one ($REGEN_CACHE_DIR, else ~/.cache/regen), so a
chorale cache made earlier is reused.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(args: list, cwd: Path, env: dict | None = None, timeout: int = 600) -> subprocess.CompletedProcess:
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, (f"{' '.join(map(str, args))} exited {done.returncode}\n"
                                  f"stdout: {done.stdout[-3000:]}\nstderr: {done.stderr[-3000:]}")
    return done


def _build_wheel(tmp: Path) -> Path:
    """Build from a copy of the sources, so the build leaves no build/ or egg-info in the checkout."""
    tree = tmp / "source"
    shutil.copytree(ROOT / "src", tree / "src", ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, tree / name)
    wheels = tmp / "wheels"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q",
          "-w", wheels, tree], cwd=tmp)
    found = sorted(wheels.glob("regen-*.whl"))
    assert len(found) == 1, found
    return found[0]


def test_wheel_in_fresh_venv(tmp_path: Path) -> None:
    wheel = _build_wheel(tmp_path)
    names = zipfile.ZipFile(wheel).namelist()
    for needed in ("regen/cli/main.py", "regen/assets/image/digits-pool-tiny/model.safetensors",
                   "regen/assets/music/sunmask-conv-tiny/meta.json", "regen/assets/speech/repmix-tiny/config.yaml",
                   "regen/configs/image/digits-pool-tiny.yaml"):
        assert needed in names, f"the wheel lacks {needed}"

    env_dir = tmp_path / "env"
    _run([sys.executable, "-m", "venv", "--without-pip", env_dir], cwd=tmp_path)
    python = env_dir / "bin" / "python"
    _run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", "-q", wheel],
         cwd=tmp_path)
    site_packages = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                              cwd=tmp_path).stdout.strip())
    # After the install, so pip never sees the checkout's editable regen in the new venv.
    (site_packages / "_regen_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env.update(PYTHONNOUSERSITE="1", OMP_NUM_THREADS="1", PATH=f"{env_dir / 'bin'}{os.pathsep}{env.get('PATH', '')}")
    cwd = tmp_path / "run"
    cwd.mkdir()

    where = _run([python, "-c", "import regen, regen.core.assets as a; print(regen.__file__); print(a.ASSETS)"],
                 cwd=cwd, env=env).stdout.split()
    for path in map(Path, where):
        assert path.is_relative_to(site_packages), f"{path} is not inside the new venv's {site_packages}"
        assert not path.resolve().is_relative_to(ROOT), f"{path} points into the checkout"

    regen = env_dir / "bin" / "regen"
    assert regen.is_file(), "the wheel did not install the `regen` script"
    info = _run([regen, "info", "image/digits-pool-tiny"], cwd=cwd, env=env).stdout
    shipped = Path(info.splitlines()[0].removeprefix("checkpoint:").strip())
    assert shipped.is_relative_to(site_packages), f"`regen` found its checkpoints at {shipped}, not in the new venv"
    _run([regen, "sample", "image/digits-pool-tiny", "--out", "o1", "--n", "2"], cwd=cwd, env=env)
    assert (cwd / "o1" / "samples.png").stat().st_size > 1000
    _run([regen, "sample", "music/sunmask-conv-tiny", "--out", "o2", "--n", "1"], cwd=cwd, env=env)
    written = sorted(p.suffix for p in (cwd / "o2").iterdir())
    assert {".mid", ".musicxml"} <= set(written), written
    _run([regen, "speech", "say", "And God said, Let there be light.", "--out", "o3/light.wav"], cwd=cwd, env=env)
    assert (cwd / "o3" / "light.wav").stat().st_size > 10_000
