"""Numbers that do not follow the CPU: every job's kernels capped at AVX2 (config
portable_kernels, runtime.pin_cpu_kernels), checked by running steps under other instruction sets
(benchmarks/cpu_kernels.py); and the golden record's comparison (hidden_embed.golden)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from conftest import MACHINE_ENVIRONMENT, REPO
from hidden_embed import golden, runtime

PROBE = REPO / "benchmarks" / "cpu_kernels.py"
AVX2 = {"avx2", "fma", "sse4_2"}


@pytest.fixture
def clean_environment(monkeypatch):
    for name in runtime.PORTABLE_KERNELS:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_portable_kernels_cap_every_library_on_an_avx2_cpu(clean_environment):
    notes = runtime.pin_cpu_kernels(True, machine="x86_64", flags=AVX2)
    assert notes == []
    assert {name: os.environ[name] for name in runtime.PORTABLE_KERNELS} == runtime.PORTABLE_KERNELS
    assert os.environ["ONEDNN_MAX_CPU_ISA"] == "AVX2" and os.environ["ATEN_CPU_CAPABILITY"] == "avx2"


def test_a_machines_own_openblas_core_type_is_kept_and_said(clean_environment):
    clean_environment.setenv("OPENBLAS_CORETYPE", "Zen")
    notes = runtime.pin_cpu_kernels(True, machine="x86_64", flags=AVX2)
    assert os.environ["OPENBLAS_CORETYPE"] == "Zen"
    assert notes == ["OPENBLAS_CORETYPE=Zen kept from this machine's environment"]
    assert os.environ["ONEDNN_MAX_CPU_ISA"] == "AVX2"


@pytest.mark.parametrize(
    "enabled, machine, flags, said",
    [
        (False, "x86_64", AVX2, "portable_kernels is false"),
        (True, "aarch64", set(), "not x86-64"),
        (True, "x86_64", {"sse4_2", "avx"}, "no avx2 or fma on this CPU"),
    ],
)
def test_nothing_is_capped_where_the_cap_cannot_hold(clean_environment, enabled, machine, flags, said):
    """Off, on another architecture, or on a CPU whose kernels would not run (no AVX2): the
    environment is left alone and the job's log says why its numbers may follow the CPU."""
    notes = runtime.pin_cpu_kernels(enabled, machine=machine, flags=flags)
    assert len(notes) == 1 and said in notes[0], notes
    assert not [name for name in runtime.PORTABLE_KERNELS if name in os.environ]


def test_the_schema_turns_portable_kernels_on_by_default():
    import yaml

    schema = yaml.safe_load((REPO / "config" / "schema.yaml").read_text())
    assert schema["properties"]["portable_kernels"] == {**schema["properties"]["portable_kernels"], "type": "boolean", "default": True}


def probe(*args: str, timeout: int = 1500, epochs: int | None = None) -> dict[str, dict[str, str]]:
    """benchmarks/cpu_kernels.py's table as {step: {run: digest}}, run in the machine's own
    environment (the probe sets each run's kernels itself)."""
    env = {**MACHINE_ENVIRONMENT, **({"CPU_KERNELS_EPOCHS": str(epochs)} if epochs else {})}
    done = subprocess.run([sys.executable, str(PROBE), *args], cwd=REPO, capture_output=True, text=True, timeout=timeout, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    header = lines[0].split()[1:-4]
    return {line.split()[0]: dict(zip(header, line.split()[1 : 1 + len(header)])) for line in lines[1:] if not line.startswith("seconds")}


def has_avx512() -> bool:
    return "avx512f" in (runtime.cpu_flags() or set())


@pytest.mark.workflow
@pytest.mark.skipif("avx2" not in (runtime.cpu_flags() or set()), reason="needs an x86-64 CPU with AVX2")
def test_every_step_gives_the_same_bits_under_every_instruction_set_cap(tmp_path_factory):
    """The reference MLP trained on the digits, its activations and the five maps of the pixels,
    run natively under an AVX2 and an AVX-512 cap (what an AVX2-only and an AVX-512 machine
    pick): with the jobs' settings the bits are the same; without them (each library's own
    choice), on a CPU with AVX-512, the model and the PCA map differ (OpenBLAS's and oneDNN's
    AVX-512 kernels), so the settings are what makes them equal."""
    steps = "train,activations,pca,umap,tsne,pacmap,trimap"
    cache = tmp_path_factory.getbasetemp() / "cache"  # the workflow runs' numba cache (the same generic code)
    table = probe("--cpus", "", "--caps", "avx2,avx512", "--steps", steps, "--settings", "portable,none", "--cache-dir", str(cache))
    assert sorted(table) == sorted(steps.split(","))
    for step, runs in table.items():
        assert runs["portable/host+cap-avx2"] == runs["portable/host+cap-avx512"], (step, runs)
    if has_avx512():
        for step in ("train", "pca"):
            assert table[step]["none/host+cap-avx2"] != table[step]["none/host+cap-avx512"], (step, table[step])


@pytest.mark.workflow
@pytest.mark.skipif(shutil.which("qemu-x86_64") is None, reason="needs QEMU's user-mode emulator (Debian's qemu-user)")
def test_an_emulated_intel_and_amd_cpu_give_the_same_bits(tmp_path_factory):
    """The digits MLP (3 epochs), its activations and the PCA map, with the jobs' settings, in
    QEMU's emulation of an Intel Haswell and of an AMD EPYC Rome (Zen 2): each process sees that
    CPU's CPUID (vendor, caches, AVX2 and no AVX-512), and every library picks for it. The two
    give the same bits, so neither the vendor nor the cache sizes reach the numbers; the PCA map
    is also the one of this machine's own CPU. (QEMU's arithmetic is not the hardware's for the
    whole training: after a few epochs both emulations part from the native model alike,
    docs/reproducibility.md.)"""
    cache = tmp_path_factory.getbasetemp() / "cache"
    table = probe("--cpus", "host,Haswell,EPYC-Rome", "--steps", "train,activations,pca", "--settings", "portable", "--cache-dir", str(cache), epochs=3)
    for step, runs in table.items():
        assert runs["portable/Haswell"] == runs["portable/EPYC-Rome"], (step, runs)
    assert table["pca"]["portable/host"] == table["pca"]["portable/EPYC-Rome"], table["pca"]


CELLS = {
    ("digits", "seed0/reference", "raw", "umap", "5"): 0.9777777777777777,
    ("digits", "seed0/reference", "hidden1", "pca", "5"): 0.6,
}


def test_the_golden_files_read_back_what_was_written():
    assert golden.parse_cells(golden.cells_text(CELLS)) == CELLS
    models = {"results/digits/seed0/reference/model/model.keras": "ab" * 32}
    assert golden.parse_models(golden.models_text(models)) == models
    with pytest.raises(ValueError, match="first line"):
        golden.parse_cells("dataset\tlayer\n")


def test_a_nudged_cell_or_model_is_named_with_how_far_it_moved():
    nudged = {**CELLS, ("digits", "seed0/reference", "hidden1", "pca", "5"): 0.6 + 1 / 450}
    moved = golden.differences(CELLS, nudged, {"m": "a" * 64}, {"m": "b" * 64})
    assert moved == [
        "model m: weights bbbbbbbbbbbbbbbb instead of aaaaaaaaaaaaaaaa",
        "cell digits/seed0/reference/hidden1/pca k=5: 0.6022222222222222 instead of 0.6 (+0.00222222)",
    ]
    assert golden.differences(CELLS, dict(CELLS), {"m": "a"}, {"m": "a"}) == []
    missing = golden.differences(CELLS, {}, {}, {})
    assert len(missing) == 2 and all("missing" in line for line in missing)


def test_the_golden_record_is_the_quick_look_it_claims():
    """The committed golden files: the quick look's one model and every cell of its grid
    (3 layers x 5 reducers + highdim, 3 values of k)."""
    cells = golden.parse_cells((REPO / "tests/golden/quick_look_cells.tsv").read_text())
    models = golden.parse_models((REPO / "tests/golden/quick_look_models.tsv").read_text())
    assert list(models) == ["results/digits/seed0/reference/model/model.keras"]
    assert len(cells) == 3 * 6 * 3 and all(0 < v <= 1 for v in cells.values())
    assert {key[3] for key in cells} == {"pca", "umap", "tsne", "pacmap", "trimap", "highdim"}
