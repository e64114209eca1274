"""What every rule script does first: log to its file, cap threads, point caches somewhere writable.

Call :func:`setup` before importing NumPy, numba or TensorFlow: the thread variables
are read once, when those libraries load.
"""

from __future__ import annotations

import atexit
import logging
import os
import resource
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "BLIS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "NUMBA_NUM_THREADS",
    "TF_NUM_INTRAOP_THREADS",
    "TF_NUM_INTEROP_THREADS",
)


def limit_threads(threads: int) -> None:
    """Cap BLAS, OpenMP, numba and TensorFlow thread pools at ``threads``."""
    for name in THREAD_VARIABLES:
        os.environ[name] = str(max(1, int(threads)))


def set_caches(cache_dir: str | Path) -> None:
    """Send numba's JIT cache, Matplotlib's, Keras's and other caches to ``cache_dir``, not HOME."""
    cache_dir = Path(cache_dir).absolute()
    for variable, sub in (
        ("NUMBA_CACHE_DIR", "numba"),
        ("MPLCONFIGDIR", "matplotlib"),
        ("KERAS_HOME", "keras"),
        ("XDG_CACHE_HOME", "xdg"),
    ):
        path = cache_dir / sub
        path.mkdir(parents=True, exist_ok=True)
        os.environ[variable] = str(path)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")


def start_log(log_path: str | Path) -> logging.Logger:
    """Send stdout, stderr (Python's and the native ones) and ``logging`` to the rule's log file."""
    handle = open(log_path, "w", buffering=1)
    sys.stdout.flush()
    sys.stderr.flush()
    # Native libraries (TensorFlow, numba) write to the file descriptors, Keras to stdout.
    os.dup2(handle.fileno(), 1)
    os.dup2(handle.fileno(), 2)
    sys.stdout = sys.stderr = handle
    logging.basicConfig(
        stream=handle,
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        force=True,
    )
    return logging.getLogger("hidden_embed")


def report_failures(log: logging.Logger, rule: str) -> None:
    """On an uncaught error, write one line naming the rule and the error above the traceback,
    so the first thing a failed job's log says is what went wrong."""

    def hook(kind, error, trace):  # noqa: ANN001
        first = str(error).strip().splitlines()[0] if str(error).strip() else ""
        log.error("%s failed: %s%s", rule, kind.__name__, f": {first}" if first else "")
        sys.__excepthook__(kind, error, trace)

    sys.excepthook = hook


def cpu_seconds() -> float:
    """CPU seconds (user and system) this process and its finished children have used so far."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def log_cpu_at_exit(log: logging.Logger) -> None:
    """At exit, log the job's CPU seconds in full (``job cpu 12.34 s``). Snakemake's benchmark
    files sample a job's CPU every 30 s after its first 30, and miss what it used after the last
    sample; benchmarks/run_benchmark.py reads this line instead."""
    atexit.register(lambda: log.info("job cpu %.2f s", cpu_seconds()))


def pin_numba_target(cpu_name: str | None) -> None:
    """Make numba compile for ``cpu_name`` (LLVM's name, e.g. ``generic``), not for the CPU it runs
    on, so that a map made with numba (UMAP, PaCMAP) is the same on every CPU of the architecture;
    ``host`` or None leaves numba its own choice. Call before numba loads."""
    for name in ("NUMBA_CPU_NAME", "NUMBA_CPU_FEATURES"):
        os.environ.pop(name, None)
    if cpu_name and cpu_name != "host":
        os.environ["NUMBA_CPU_NAME"] = cpu_name  # numba then takes no features beyond the name's


# The instruction set every job's kernels are capped at, whatever the CPU (config
# `portable_kernels`), so that a step gives the same bits on every x86-64 CPU with AVX2 and FMA:
# each library that picks its kernels for the CPU at run time is told to take its AVX2 ones.
PORTABLE_KERNELS = {
    "ONEDNN_MAX_CPU_ISA": "AVX2",  # oneDNN, in TensorFlow (its matrix products) and in PyTorch
    # TensorFlow's dense layers through oneDNN (its default on x86-64): without, Eigen's own
    # blocking of the products takes their place, and the bits followed the (emulated) CPU
    "TF_ENABLE_ONEDNN_OPTS": "1",
    "OPENBLAS_CORETYPE": "Haswell",  # OpenBLAS's AVX2 kernels (NumPy, SciPy, scikit-learn, Faiss)
    "MKL_CBWR": "AVX2",  # MKL's reproducible AVX2 code path (PyTorch's BLAS: TriMAP)
    "ATEN_CPU_CAPABILITY": "avx2",  # PyTorch's own vectorised kernels (TriMAP)
    "NPY_DISABLE_CPU_FEATURES": "X86_V4 AVX512_ICL AVX512_SPR",  # NumPy's AVX-512 loops
    "FAISS_OPT_LEVEL": "avx2",  # Faiss's AVX2 build (TriMAP's neighbours above 50,000 points)
}
PORTABLE_CPU_FLAGS = ("avx2", "fma")  # what the kernels above need of the CPU


def cpu_flags() -> set[str] | None:
    """The CPU's feature flags as Linux reports them (``/proc/cpuinfo``); None where unknown."""
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("flags"):
                    return set(line.partition(":")[2].split())
    except OSError:
        return None
    return None


def pin_cpu_kernels(enabled: bool, machine: str | None = None, flags: set[str] | None = None) -> list[str]:
    """With ``enabled``, set :data:`PORTABLE_KERNELS` in the environment (call before NumPy,
    TensorFlow or PyTorch load), so that each step's numbers do not follow the CPU's instruction
    set; without, leave the environment as it is (each library picks for the CPU). A value the machine's
    environment already gives OpenBLAS's core type is kept (some machines need theirs for correct
    results). Returns what stops the numbers from being portable, in words (empty: nothing):
    not x86-64, or a CPU without AVX2 and FMA (nothing is then capped, since the AVX2 kernels
    would not run)."""
    import platform

    machine = machine or platform.machine()
    if not enabled:
        return ["portable_kernels is false: each library picks its kernels for this CPU"]
    if machine.lower() not in ("x86_64", "amd64"):
        return [f"this machine is {machine}, not x86-64: its kernels are its own"]
    flags = cpu_flags() if flags is None else flags
    missing = [f for f in PORTABLE_CPU_FLAGS if flags is not None and f not in flags]
    if flags is None or missing:
        what = "unknown CPU flags" if flags is None else f"no {' or '.join(missing)} on this CPU"
        return [f"{what}: kernels not capped at AVX2"]
    notes = []
    for name, value in PORTABLE_KERNELS.items():
        if name == "OPENBLAS_CORETYPE" and os.environ.get(name, value) != value:
            notes.append(f"OPENBLAS_CORETYPE={os.environ[name]} kept from this machine's environment")
            continue
        os.environ[name] = value
    return notes


def threads(snakemake) -> int:  # noqa: ANN001 - Snakemake's script object
    """The threads a job runs: its config count (``params.threads``), which --cores does not
    change, so that its numbers do not depend on the machine; else the rule's ``threads``."""
    return int(getattr(snakemake.params, "threads", None) or snakemake.threads)


def setup(snakemake) -> logging.Logger:  # noqa: ANN001 - Snakemake's script object
    """Log to the rule's log, set the job's thread pools (:func:`threads`) and numba's target
    (config ``numba_cpu``), set caches."""
    log = start_log(snakemake.log[0])
    report_failures(log, snakemake.rule)
    log_cpu_at_exit(log)
    count = threads(snakemake)
    limit_threads(count)
    pin_numba_target(snakemake.config.get("numba_cpu", "generic"))
    set_caches(snakemake.config.get("cache_dir", ".cache"))
    for note in pin_cpu_kernels(snakemake.config.get("portable_kernels", True)):
        log.info("numbers may follow this CPU: %s", note)
    log.info("rule %s, wildcards %s, threads %d", snakemake.rule, dict(snakemake.wildcards), count)
    if count > snakemake.threads:
        log.info(
            "%d threads on the %d core(s) --cores leaves this job: same numbers, more time",
            count,
            snakemake.threads,
        )
    return log


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it into place only if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=path.suffix)
    os.close(fd)
    try:
        yield Path(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; results must be readable as usual
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def save_npz(path: str | Path, **arrays) -> None:  # noqa: ANN003
    """``np.savez_compressed`` written atomically, without pickles."""
    import numpy as np

    with atomic_path(path) as tmp:
        with open(tmp, "wb") as handle:
            np.savez_compressed(handle, **arrays)


def save_npy(path: str | Path, array) -> None:  # noqa: ANN001
    """``np.save`` written atomically."""
    import numpy as np

    with atomic_path(path) as tmp:
        with open(tmp, "wb") as handle:
            np.save(handle, array, allow_pickle=False)


def save_text(path: str | Path, text: str) -> None:
    """Write ``text`` atomically."""
    with atomic_path(path) as tmp:
        Path(tmp).write_text(text)
