"""The README's commands, run as written in a copy of the checkout, as a user runs them; the
workflow used as a Snakemake module; the generated docs (layout, rule graph) against the tree."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

from conftest import REPO, SNAKEMAKE, read_job_log, require_shared_data
from test_config import job_counts

README = REPO / "README.md"
GOLDEN = REPO / "tests" / "golden"


def readme_commands() -> list[tuple[int, str]]:
    """(block number, command) of every line of the README's ```bash blocks, continuation lines
    joined and trailing comments dropped."""
    commands = []
    blocks = re.findall(r"^```bash\n(.*?)^```", README.read_text(), flags=re.M | re.S)
    for number, block in enumerate(blocks):
        for line in block.replace("\\\n", " ").splitlines():
            line = re.sub(r"\s+#\s.*$", "", line).strip()
            if line and not line.startswith("#"):
                commands.append((number, " ".join(line.split())))
    return commands


def snakemake_commands() -> list[str]:
    """The README's Snakemake command lines (setup included), except the test command itself and
    the one that opens an editor."""
    return [c for _, c in readme_commands() if ".venv/bin/snakemake" in c and "pytest" not in c and "$EDITOR" not in c]


def quick_look() -> list[str]:
    """The README's quick-look block: the lines that write quick.yaml and run it."""
    blocks = {}
    for number, command in readme_commands():
        blocks.setdefault(number, []).append(command)
    found = [lines for lines in blocks.values() if any("quick.yaml" in c for c in lines)]
    assert len(found) == 1, "the README has one quick-look block that writes and runs quick.yaml"
    return found[0]


@pytest.fixture(scope="module")
def checkout(tmp_path_factory) -> Path:
    """A copy of the checkout as a clone has it (tracked and new files, no results/, no caches),
    with this venv as its .venv and the official data at ../shared/data, as in CI."""
    root = tmp_path_factory.mktemp("front-door")
    copy = root / "hidden-embed"
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], cwd=REPO, capture_output=True, check=True
    ).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = REPO / name
        if source.is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy / name)
    (copy / ".venv").symlink_to(Path(sys.executable).parents[1])
    (root / "shared").mkdir()
    (root / "shared" / "data").symlink_to(require_shared_data())
    return copy


def shell(workdir: Path, command: str, timeout: int = 1800) -> subprocess.CompletedProcess:
    """Run one README line with bash in ``workdir``, as a user types it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SNAKEMAKE")}
    env["TF_CPP_MIN_LOG_LEVEL"] = "2"
    return subprocess.run(["bash", "-c", command], cwd=workdir, capture_output=True, text=True, timeout=timeout, env=env)


def datasets_planned(output: str) -> set[str]:
    """The datasets whose files a dry run's jobs write under results/."""
    return set(re.findall(r"results/([A-Za-z0-9][A-Za-z0-9_.-]*)/seed\d+/", output)) - {"downloads"}


MY_CONFIG = "datasets: {mine: {source: digits, n_train: 500, n_test: 200}}\n"


def config_files(command: str) -> list[str]:
    """The files a command's --configfile names (every word after it up to the next option)."""
    words = command.split()
    if "--configfile" not in words:
        return []
    files = []
    for word in words[words.index("--configfile") + 1 :]:
        if word.startswith("-"):
            break
        files.append(word)
    return files


@pytest.mark.workflow
def test_every_readme_snakemake_command_plans_what_it_says(checkout):
    """Each command, dry-run in the copy: it must plan, and what it plans must be what the README
    promises (the reference experiment, offline, a user's file replacing or extending it)."""
    commands = snakemake_commands()
    assert len(commands) >= 6, commands
    if not (checkout / "my.yaml").exists():
        (checkout / "my.yaml").write_text(MY_CONFIG)
    reference = {"mnist", "fashion-mnist"}
    # the report after a run (below), and the quick look for real (below)
    commands = [c for c in commands if "--report" not in c and "quick.yaml" not in c]
    drys = [c if re.search(r"(^|\s)-n(\s|$)", c) else f"{c} -n" for c in commands]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:  # a dry run keeps one core busy
        results = list(pool.map(lambda dry: shell(checkout, dry), drys))
    for command, dry, result in zip(commands, drys, results):
        out = result.stdout + result.stderr
        assert result.returncode == 0, f"{dry}\n{out[-3000:]}"
        planned = datasets_planned(result.stdout)
        files = config_files(command)
        if files:  # the files given replace the reference experiment; several merge (datasets add up)
            # a file without datasets runs the reference datasets (the schema's default)
            named = set().union(*(yaml.safe_load((checkout / f).read_text()).get("datasets") or reference for f in files))
            assert planned == named, f"{command}: the datasets of {files} are {named}, the run plans {planned}"
        else:
            assert planned == reference, f"{command}: plans {planned}"
        if "data_dir=" in command:
            assert "download_idx" not in job_counts(result.stdout), f"{command} still downloads"
    assert not (checkout / "results").exists(), "dry runs write no results"


@pytest.fixture(scope="module")
def quick_look_run(checkout, tmp_path_factory) -> str:
    """The README's quick look, run as written in the copy of the checkout; its output."""
    lines = quick_look()
    assert any(line.startswith(".venv/bin/snakemake") for line in lines)
    warm = tmp_path_factory.getbasetemp() / "cache" / "numba"
    if warm.is_dir():  # a user's second run: numba's cache (cache_dir, .cache/) already filled
        shutil.copytree(warm, checkout / ".cache" / "numba", dirs_exist_ok=True)
    result = shell(checkout, " && ".join(c for c in lines if "--report" not in c), timeout=2400)
    out = result.stdout + result.stderr
    assert result.returncode == 0, out[-5000:]
    return out


@pytest.mark.workflow
def test_the_quick_look_gives_the_golden_numbers(checkout, quick_look_run):
    """Every kNN cell of the quick look, at full precision, and the trained model's weights are
    bit for bit those of tests/golden/ (made on another machine: the numbers do not follow the
    CPU, config portable_kernels). A change that moves them on purpose rewrites the files with
    tests/golden/regenerate.py, in a commit of its own that says why."""
    from hidden_embed import golden

    cells, models = golden.read_cells(checkout), golden.read_models(checkout)
    want_cells = golden.parse_cells((GOLDEN / "quick_look_cells.tsv").read_text())
    want_models = golden.parse_models((GOLDEN / "quick_look_models.tsv").read_text())
    assert len(cells) == len(want_cells) > 50 and len(models) == 1, (len(cells), len(want_cells), models)
    moved = golden.differences(want_cells, cells, want_models, models)
    assert not moved, f"{len(moved)} of the quick look's numbers differ from tests/golden/:\n" + "\n".join(moved)


@pytest.mark.workflow
def test_the_quick_looks_archive_regenerates_it_bit_for_bit_without_training(checkout, quick_look_run, tmp_path_factory):
    """The README's archive command on the quick look, then the replay command on that file alone
    in a new folder: every table, figure and page of the manifest made again, bit-identical, and
    no model trained."""
    made = shell(checkout, ".venv/bin/snakemake --cores 2 archive --configfile quick.yaml")
    assert made.returncode == 0, (made.stdout + made.stderr)[-3000:]
    archive = checkout / "results/experiments/quick/archive.tar.gz"
    import tarfile

    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert "results/digits/seed0/reference/model/model.keras" in names and "archive/tables/knn_accuracy.tsv" in names
    assert any(n.startswith("results/digits/seed0/reference/model/checkpoints/") for n in names)
    assert not [n for n in names if "/embeddings/" in n or "/activations/" in n], "maps and activations are rebuilt, not archived"
    replay = tmp_path_factory.mktemp("replay") / "run"
    done = shell(checkout, f"{sys.executable} scripts/replay_archive.py {archive} --directory {replay} --cores 2 --cache-dir {checkout / '.cache'}", timeout=2400)
    out = done.stdout + done.stderr
    assert done.returncode == 0, out[-5000:]
    assert "packages: the same as the archive" in out
    counts = job_counts(out)
    assert "train_model" not in counts and counts.get("embed_layer") == 15, counts
    found = re.search(r"^(\d+) of (\d+) files bit-identical to the archive$", out, flags=re.M)
    assert found and found.group(1) == found.group(2) and int(found.group(2)) > 50, out[-3000:]


@pytest.mark.workflow
def test_the_readme_quick_look_runs_digits_only_from_the_checkout(checkout, quick_look_run):
    lines = quick_look()
    out = quick_look_run
    assert "is extended by" not in out, "the quick look must not merge into config/config.yaml"
    counts = job_counts(out)
    assert counts["prepare_dataset"] == 1 and counts["train_model"] == 1 and counts["embed_layer"] == 15, counts
    assert sorted(p.name for p in (checkout / "results").iterdir() if (p / "seed0").is_dir()) == ["digits"]
    pivot = (checkout / "results/experiments/quick/tables/knn_accuracy_pivot.md").read_text()
    assert "digits" in pivot and "mnist" not in pivot
    assert (checkout / "results/digits/seed0/reference/explorer.html").is_file()
    # numba's warm-ups (profiles/default): UMAP's and AlignedUMAP's one after the other, the
    # journey map after AlignedUMAP's
    logs = checkout / "results/logs"
    umap, aligned = (read_job_log(logs / f"compile_numba/{name}/exact.log") for name in ("umap", "aligned_umap"))
    assert umap["end"] <= aligned["start"] or aligned["end"] <= umap["start"], (umap, aligned)
    assert read_job_log(logs / "map_journey/digits/seed0/reference.log")["start"] >= aligned["end"]
    # the README's report command for this run, from the checkout (the default run's report
    # needs the default run)
    reports = [c for c in lines if "--report" in c]
    assert reports, "the quick look shows how to get its report"
    for command in reports:
        report = shell(checkout, command)
        assert report.returncode == 0, f"{command}\n{(report.stdout + report.stderr)[-3000:]}"
        name = re.search(r"--report\s+(\S+)", command).group(1)
        assert (checkout / name).stat().st_size > 100_000


def test_the_same_rule_holds_from_another_directory(tmp_path):
    """From an empty --directory: no file given, the workflow's own config/config.yaml; a file
    given, that file alone."""
    from conftest import snakemake

    plain = snakemake(tmp_path, "-n", "--cores", "2")
    assert plain.returncode == 0, plain.stderr[-3000:]
    assert datasets_planned(plain.stdout) == {"mnist", "fashion-mnist"}
    (tmp_path / "quick.yaml").write_text("datasets: {digits: {source: digits}}\n")
    quick = snakemake(tmp_path, "--configfile", "quick.yaml", "-n", "--cores", "2")
    assert quick.returncode == 0, quick.stderr[-3000:]
    assert datasets_planned(quick.stdout) == {"digits"} and "is extended by" not in quick.stderr
    both = snakemake(tmp_path, "--configfile", str(REPO / "config/config.yaml"), "quick.yaml", "-n", "--cores", "2")
    assert datasets_planned(both.stdout) == {"mnist", "fashion-mnist", "digits"}


OUTER = """configfile: "config/config.yaml"


module hidden_embed:
    snakefile:
        "{snakefile}"
    config:
        config


use rule * from hidden_embed
"""


@pytest.mark.workflow
def test_the_quick_look_runs_as_a_module_of_another_workflow(tmp_path_factory):
    """An outer workflow in another folder imports this one (`module`, `use rule *`) and runs the
    quick look with its own config/config.yaml (one reducer, UMAP, and two layers, to keep the
    suite short: the point is that every kind of rule runs from the module)."""
    outer = tmp_path_factory.mktemp("outer-workflow")
    (outer / "Snakefile").write_text(OUTER.format(snakefile=REPO / "Snakefile"))
    (outer / "config").mkdir()
    cache = tmp_path_factory.getbasetemp() / "cache"  # the numba cache the end-to-end run warmed
    (outer / "config" / "config.yaml").write_text(
        f"datasets: {{digits: {{source: digits}}}}\nreducers: {{umap: {{}}}}\nlayers: [raw, hidden2]\ncache_dir: {cache}\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("SNAKEMAKE")}
    result = subprocess.run([SNAKEMAKE, "--cores", "2"], cwd=outer, capture_output=True, text=True, timeout=2400, env=env)
    assert result.returncode == 0, (result.stdout + result.stderr)[-5000:]
    counts = job_counts(result.stdout + result.stderr)
    assert counts["train_model"] == 1 and counts["embed_layer"] == 2 and counts["compile_numba"] == 2 and counts["build_explorer"] == 1, counts
    assert sorted(p.name for p in (outer / "results").iterdir() if (p / "seed0").is_dir()) == ["digits"]
    assert "digits" in (outer / "results/experiments/reference/tables/knn_accuracy_pivot.md").read_text()
    assert (outer / "results/digits/seed0/reference/explorer.html").is_file()


def test_docs_layout_is_generated_from_the_tree():
    check = subprocess.run([sys.executable, str(REPO / "docs" / "make_layout.py"), "--check"], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr


def test_readme_layout_names_every_top_level_entry():
    section = re.search(r"^## Layout\n(.*?)(?=^## |\Z)", README.read_text(), flags=re.M | re.S)
    assert section, "the README has a Layout section"
    listed = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True)
    top = {name.split("/")[0] + ("/" if "/" in name else "") for name in listed.stdout.split()}
    top = {name for name in top if not name.startswith(".") or name == ".ci/"}
    missing = sorted(name for name in top if name not in section.group(1))
    assert not missing, f"the README's Layout does not name {missing}"
    assert "docs/layout.md" in section.group(1)


def test_rule_graph_shows_every_rule():
    """report/rulegraph.svg (report/make_rulegraph.sh) has every rule of `snakemake --list-rules`
    but the Snakefile's target aliases (rules that only gather targets, other than all) and the
    ones the reference experiment never runs (the imports of a saved, PyTorch or ONNX model and of
    given activations, CIFAR-10's download)."""
    svg = (REPO / "report" / "rulegraph.svg").read_text()
    drawn = set(re.findall(r"<text[^>]*>([^<]+)</text>", svg))
    listed = subprocess.run([SNAKEMAKE, "--list-rules"], cwd=REPO, capture_output=True, text=True)
    assert listed.returncode == 0, listed.stderr
    rules = set(listed.stdout.split())
    aliases = set(re.findall(r"^rule (\w+):", (REPO / "Snakefile").read_text(), flags=re.M)) - {"all"}
    assert aliases <= rules and "build_explorer" in rules
    aliases |= {"import_model", "import_torch_model", "import_onnx_model", "import_activations", "download_archive"}
    assert drawn == rules - aliases, f"redraw with report/make_rulegraph.sh: missing {sorted(rules - aliases - drawn)}, extra {sorted(drawn - rules)}"


def test_workflow_catalog_file_names_the_usage():
    import yaml

    catalog = yaml.safe_load((REPO / ".snakemake-workflow-catalog.yml").read_text())
    usage = catalog["usage"]
    assert usage["software-stack-deployment"]["conda"] is True
    assert usage["report"] is True
    assert "--cores" in usage["mandatory-flags"]["flags"]
