"""Config validation (clear errors before any work), the default DAG, lint and formatting."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import REPO, snakemake

BASE = """
datasets:
  digits: {source: digits}
"""

BAD = {
    "typo at top level": ("reducer: {pca: {}}\n", r"unknown key 'reducer' at the top level; did you mean 'reducers'\?"),
    "typo of a nested key at top level": ("epochz: 3\n", r"unknown key 'epochz' at the top level; did you mean 'model.epochs'\?"),
    "wrong type": ("model: {epochs: twenty}\n", r"'twenty' is not of type 'integer'"),
    "unknown source": ("datasets: {x: {source: cifar}}\n", r"'cifar' is not one of \['mnist', 'fashion-mnist', 'cifar-10', 'digits', 'npz'\]"),
    "unknown reducer": ("reducers: {tsnee: {}}\n", r"unknown key 'tsnee' in reducers; did you mean 'tsne'\?"),
    "unknown reducer in threads": ("threads: {reducers: {umapp: 1}}\n", r"unknown key 'umapp' in threads.reducers; did you mean 'umap'\?"),
    "unknown reducer parameter": ("reducers: {umap: {n_neighbour: 5}}\n", r"unknown key 'n_neighbour' in reducers.umap; did you mean 'n_neighbors'\?"),
    "n_train above the data": ("datasets: {d: {source: digits, n_train: 5000}}\n", r"datasets.d.n_train: 5000 is above the 1347 train points of d"),
    "n_test above the data": ("datasets: {d: {source: digits, n_test: 451}}\n", r"datasets.d.n_test: 451 is above the 450 test points of d"),
    "quality k too large": ("quality: {k: 225}\n", r"quality.k 225 needs fewer than half of the 450 points .* choose quality.k below 225"),
    "quality k against max_points": ("quality: {k: 60, max_points: 100}\n", r"quality.k 60 needs fewer than half of the 100 points .*quality.max_points 100"),
    "trimap placement above the data": ("datasets: {d: {source: digits, n_train: 20}}\nknn: {k: [3]}\nquality: {k: 3}\nreducers: {trimap: {placement_neighbors: 30}}\n", r"reducers.trimap.placement_neighbors 30 is above the 20 training points"),
    "local IDX files missing": ("datasets: {m: {source: mnist, local_dir: nowhere}}\n", r"datasets.m.local_dir: nowhere lacks train-images-idx3-ubyte\(.gz\)"),
    "dynamics epoch after training": ("model: {epochs: 5}\ndynamics: {epochs: [0, 5, 10]}\n", r"dynamics.epochs \[10\] are after the last epoch of training \(5, model.epochs, variant reference\)"),
    "dynamics epoch after a variant's training": ("variants: {reference: {}, short: {epochs: 3}}\ndynamics: {epochs: [0, 5]}\n", r"dynamics.epochs \[5\] are after the last epoch of training \(3, model.epochs, variant short\)"),
    "negative dynamics epoch": ("dynamics: {epochs: [-1, 2]}\n", r"dynamics.epochs.0: -1 is less than the minimum of 0"),
    "probe set above the test set": ("dynamics: {probe_points: 451}\n", r"dynamics.probe_points 451 is above the 450 test points of dataset digits"),
    "unknown preprocess": ("datasets: {d: {source: digits, preprocess: normalise}}\n", r"datasets.d.preprocess: 'normalise' is not one of"),
    "k below 1": ("knn: {k: [0, 5]}\n", r"0 is less than the minimum of 1"),
    "k too large": ("datasets: {d: {source: digits, n_train: 50}}\nknn: {k: [3, 50]}\n", r"knn.k \[50\] is not below the 50 training points of dataset d"),
    "missing layer": ("layers: [raw, hidden3]\n", r"layers \['hidden3'\] are not layers of any variant's network; the networks have reference \(mlp, digits\): raw \(64\), hidden1 \(256\), hidden2 \(64\), output \(10\)\."),
    "npz without path": ("datasets: {mine: {source: npz}}\n", r"'path' is a required property"),
    "npz path missing": ("datasets: {mine: {source: npz, path: nowhere.npz}}\n", r"datasets.mine.path: nowhere.npz does not exist"),
    "path on an official dataset": ("datasets: {m: {source: mnist, path: x.npz}}\n", r"datasets.m.path applies only to source npz"),
    "scale on digits": ("datasets: {d: {source: digits, scale: 255}}\n", r"datasets.d.scale applies only to source npz, but d has source digits; remove it"),
    "test_fraction on mnist": ("datasets: {m: {source: mnist, test_fraction: 0.1}}\n", r"datasets.m.test_fraction applies only to source digits, but m has source mnist"),
    "local_dir on digits": ("datasets: {d: {source: digits, local_dir: data}}\n", r"datasets.d.local_dir applies only to source mnist or fashion-mnist or cifar-10, but d has source digits"),
    "old single seed": ("seed: 3\n", r"seed is not a key: replicates are a list, seeds; write seeds: \[3\]"),
    "seeds not a list": ("seeds: 3\n", r"3 is not of type 'array'"),
    "repeated seed": ("seeds: [1, 1]\n", r"\[1, 1\] has non-unique elements"),
    "variant with an unknown key": ("variants: {nd: {dropot: 0}}\n", r"variants.nd sets \['dropot'\], which are not keys of model"),
    "variant with a bad value": ("variants: {nd: {dropout: 1.5}}\n", r"variants.nd: 1.5 is greater than or equal to the maximum of 1"),
    "variant named like a stage": ("variants: {knn: {}}\n", r"'knn' should not be valid"),
    "variant lacking a layer": ("variants: {small: {hidden_units: [32]}}\n", r"layers \['hidden2'\] are not layers of any variant's network; the networks have small \(mlp, digits\): raw \(64\), hidden1 \(32\), output \(10\)\."),
}


def bad_config_text(case: str) -> str:
    text = BAD[case][0]
    return BASE + text if not text.startswith("datasets") else text


@pytest.mark.parametrize("case", list(BAD))
def test_bad_config_gets_its_message(tmp_path, monkeypatch, case):
    """Every case, through the check the workflow runs at parse time (rules/common.smk), in this
    process: the message names the key and the fix."""
    from hidden_embed import configcheck

    monkeypatch.chdir(tmp_path)  # relative paths in a config are the run directory's
    schema = yaml.safe_load((REPO / "config" / "schema.yaml").read_text())
    with pytest.raises(configcheck.ConfigError) as error:
        configcheck.check(yaml.safe_load(bad_config_text(case)), schema)
    assert re.search(BAD[case][1], str(error.value)), str(error.value)


# Through Snakemake, as a user sees it, for one case of each kind of check: the schema, a key's
# closest match, the data's sizes, a file, the networks' layers.
THROUGH_SNAKEMAKE = ["wrong type", "typo at top level", "n_train above the data", "npz path missing", "missing layer", "old single seed"]


@pytest.mark.parametrize("case", THROUGH_SNAKEMAKE)
def test_bad_config_fails_early_with_a_clear_message(tmp_path, case):
    pattern = BAD[case][1]
    (tmp_path / "config.yaml").write_text(bad_config_text(case))
    result = snakemake(tmp_path, "--configfile", "config.yaml", "--cores", "1")
    assert result.returncode != 0
    assert re.search(pattern, result.stderr + result.stdout), result.stderr[-2000:]
    assert "invalid configuration" in result.stderr
    assert len(result.stderr.splitlines()) < 25, "one short message, not the schema:\n" + result.stderr
    assert not (tmp_path / "results").exists(), "no work may start on a bad config"


def job_counts(output: str) -> dict[str, int]:
    """Rule -> job count from the summary table that `snakemake -n` prints."""
    counts = {}
    for line in output.splitlines():
        m = re.fullmatch(r"(\w+)\s+(\d+)", line.strip())
        if m and m.group(1) != "total":
            counts[m.group(1)] = int(m.group(2))
    return counts


def test_default_config_dry_run_covers_the_reference_grid(tmp_path):
    result = snakemake(tmp_path, "--configfile", str(REPO / "config" / "config.yaml"), "-n", "--cores", "8")
    assert result.returncode == 0, result.stderr[-2000:]
    counts = job_counts(result.stdout)
    assert counts == {
        "download_idx": 2 * 4,  # data_dir null: the four IDX files of each dataset
        "prepare_dataset": 2,
        "extract_input": 2,
        "train_model": 2,
        "extract_activations": 2 * 3,  # hidden1, hidden2, output
        "compile_numba": 3,  # umap and pacmap, once for all their maps; AlignedUMAP (the journey map)
        "embed_layer": 2 * 3 * 5,
        "score_knn": 2 * 3 * 5,
        "score_knn_highdim": 2 * 3,
        "aggregate_accuracy": 1,
        "plot_map": 2 * 3 * 5,
        "plot_map_grid": 2 * 2,
        "plot_training_curves": 2,
        "plot_accuracy": 1,
        "score_quality": 2 * 3 * 5,
        "aggregate_quality": 1,
        "plot_quality": 1,
        "animate_activations": 2,
        "score_layers": 2,
        "aggregate_layers": 1,
        "plot_layers": 1,
        "align_layers": 2 * 5,  # the layer morphs: per run and reducer
        "map_journey": 2,  # the journey map (AlignedUMAP through the layers): per run
        "animate_journey": 2 * 6,  # a GIF per reducer and of the journey map
        "build_explorer": 2,  # one page per dataset, seed and variant
        "all": 1,
    }
    for path in (
        "results/mnist/seed0/reference/embeddings/hidden2/umap.npz",
        "results/fashion-mnist/seed0/knn/raw/trimap.tsv",
        "results/fashion-mnist/seed0/reference/figures/map_grid_test.pdf",
    ):
        assert path in result.stdout


MORE = """
seeds: [0, 1, 2]
variants:
  reference: {}
  no_dropout: {dropout: 0.0}
"""


def test_seeds_and_variants_expand_every_stage_but_share_the_input_layer(tmp_path):
    (tmp_path / "more.yaml").write_text(MORE)
    result = snakemake(
        tmp_path, "--configfile", str(REPO / "config" / "config.yaml"), "more.yaml", "-n", "--cores", "8"
    )
    assert result.returncode == 0, result.stderr[-2000:]
    counts = job_counts(result.stdout)
    runs = 2 * 3 * 2  # datasets x seeds x variants
    maps = 2 * 3 * (1 + 2 * 2)  # raw once per seed, hidden1 and hidden2 per variant
    assert counts["prepare_dataset"] == counts["extract_input"] == 2 * 3
    assert counts["train_model"] == runs and counts["extract_activations"] == runs * 3
    assert counts["embed_layer"] == counts["score_knn"] == counts["score_quality"] == maps * 5
    assert counts["score_knn_highdim"] == maps
    assert counts["plot_map_grid"] == runs * 2 and counts["animate_activations"] == runs
    assert counts["aggregate_accuracy"] == counts["plot_accuracy"] == 1
    assert "results/mnist/seed2/no_dropout/model/model.keras" in result.stdout
    assert "results/mnist/seed2/embeddings/raw/tsne.npz" in result.stdout
    assert "no_dropout/embeddings/raw" not in result.stdout


def test_lint_is_clean():
    out = subprocess.run(
        [str(Path(sys.executable).parent / "snakemake"), "--lint"], cwd=REPO, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stdout + out.stderr


def test_snakefmt_is_clean():
    out = subprocess.run(
        [str(Path(sys.executable).parent / "snakefmt"), "--check", "."], cwd=REPO, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stdout + out.stderr


def test_conda_envs_are_generated_from_requirements():
    """envs/*.yaml pin each family's packages and all they depend on, as requirements.txt does."""
    check = subprocess.run([sys.executable, str(REPO / "envs" / "make_envs.py"), "--check"], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    pins = {}
    for line in (REPO / "requirements.txt").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==")
            pins[name.lower()] = version
    envs = {}
    for env in sorted((REPO / "envs").glob("*.yaml")):
        deps = yaml.safe_load(env.read_text())["dependencies"]
        pip = next(d["pip"] for d in deps if isinstance(d, dict))
        envs[env.stem] = dict(spec.lower().split("==") for spec in pip)
        for name, version in envs[env.stem].items():
            assert pins.get(name) == version, f"{env.name}: {name}=={version} but requirements.txt has {pins.get(name)}"
    for decides_a_map in ("numba", "llvmlite", "pynndescent", "faiss-cpu", "annoy", "scipy", "torch", "umap-learn"):
        assert decides_a_map in envs["reduce"], f"envs/reduce.yaml does not pin {decides_a_map}"
    assert "tensorflow" in envs["model"] and "h5py" in envs["model"]


def test_every_rule_has_log_and_conda():
    text = "".join(p.read_text() for p in (REPO / "rules").glob("*.smk"))
    rules = re.findall(r"^rule (\w+):", text, flags=re.M)
    assert len(rules) >= 7
    for body in re.split(r"^rule ", text, flags=re.M)[1:]:
        name = body.split(":")[0]
        assert "    log:" in body and "    conda:" in body, f"rule {name} lacks log: or conda:"


def test_seeds_from_the_command_line(tmp_path):
    (tmp_path / "config.yaml").write_text(BASE)
    result = snakemake(tmp_path, "--configfile", "config.yaml", "--config", "seeds=[0,1]", "-n", "--cores", "2")
    assert result.returncode == 0, result.stderr[-2000:]
    assert job_counts(result.stdout)["prepare_dataset"] == 2


def test_variants_and_model_from_the_command_line(tmp_path):
    (tmp_path / "config.yaml").write_text(BASE)
    variants = "variants={reference: {}, wide: {hidden_units: [512, 64], dropout: 0.0}}"
    args = ("--configfile", "config.yaml", "--config", variants, "model={epochs: 5}", "knn={k: [3, 5]}", "-n", "--cores", "2")
    result = snakemake(tmp_path, *args)
    assert result.returncode == 0, result.stderr[-2000:]
    assert job_counts(result.stdout)["train_model"] == 2
    bad = snakemake(tmp_path, "--configfile", "config.yaml", "--config", "variants={nd: {dropout: 1.5}}", "-n")
    assert bad.returncode != 0
    assert "variants.nd: 1.5 is greater than or equal to the maximum of 1" in bad.stdout + bad.stderr


def test_command_line_text_gets_the_schema_types():
    sys.path.insert(0, str(REPO / "scripts"))
    from hidden_embed.configtext import restore_types

    schema = yaml.safe_load((REPO / "config" / "schema.yaml").read_text())
    text = {
        "seeds": ["0", "1"],
        "data_dir": "null",
        "knn": {"k": ["3", "5"]},
        "model": {"hidden_units": ["512", "64"], "dropout": "0.0", "activation": "relu"},
        "reducers": {"umap": {"n_neighbors": "30", "n_epochs": "null", "densmap": "True", "metric": "1"}, "tsne": {"learning_rate": "auto", "perplexity": "50"}},
        "figures": {"animation": {"class": "3"}},
        "datasets": {"2024": {"source": "npz", "path": "2024", "n_train": "500", "class_names": ["0", "1"]}},
    }
    typed = restore_types(text, schema)
    assert typed["seeds"] == [0, 1] and typed["data_dir"] is None and typed["knn"] == {"k": [3, 5]}
    assert typed["model"] == {"hidden_units": [512, 64], "dropout": 0.0, "activation": "relu"}
    assert typed["reducers"]["umap"] == {"n_neighbors": 30, "n_epochs": None, "densmap": True, "metric": "1"}
    assert typed["reducers"]["tsne"] == {"learning_rate": "auto", "perplexity": 50}
    assert typed["figures"]["animation"]["class"] == 3
    # text where the schema wants text stays text: paths, names, class names
    assert typed["datasets"] == {"2024": {"source": "npz", "path": "2024", "n_train": 500, "class_names": ["0", "1"]}}
    assert restore_types({"seeds": [0, 1]}, schema) == {"seeds": [0, 1]}, "typed values stay as they are"


def job_threads(output: str) -> dict[str, set[int]]:
    """Rule -> the thread counts of its jobs in a `snakemake -n` listing (1 where none is printed)."""
    threads: dict[str, set[int]] = {}
    rule, count = None, 1
    for line in [*output.splitlines(), "rule end:"]:
        m = re.match(r"\s*(?:local)?rule (\w+):", line)
        if m:
            if rule is not None:
                threads.setdefault(rule, set()).add(count)
            rule, count = m.group(1), 1
        m = re.match(r"\s*threads: (\d+)$", line)
        if m:
            count = int(m.group(1))
    return threads


def test_dynamics_target_and_switch(tmp_path):
    """Off in the default run, all of it with the target `dynamics` (or dynamics.enabled)."""
    default = snakemake(tmp_path, "--configfile", str(REPO / "config/config.yaml"), "-n", "--cores", "8")
    assert "extract_checkpoint" not in job_counts(default.stdout)
    result = snakemake(tmp_path, "--configfile", str(REPO / "config/config.yaml"), "-n", "--cores", "8", "dynamics")
    assert result.returncode == 0, result.stderr[-2000:]
    counts = job_counts(result.stdout)
    assert counts["extract_checkpoint"] == 2 * 6 and counts["score_dynamics"] == 2 * 2
    assert counts["plot_dynamics_maps"] == 2 and counts["aggregate_dynamics"] == counts["plot_dynamics"] == 1
    assert "results/mnist/seed0/reference/figures/dynamics/hidden2.gif" in result.stdout
    (tmp_path / "on.yaml").write_text("dynamics: {enabled: true}\n")
    enabled = snakemake(tmp_path, "--configfile", str(REPO / "config/config.yaml"), "on.yaml", "-n", "--cores", "8")
    assert job_counts(enabled.stdout)["extract_checkpoint"] == 12


def test_threads_keys_reach_the_rules_they_document(tmp_path):
    """threads.score_knn sets the layer-space kNN and the quality metrics; the 2-D kNN scores use one."""
    (tmp_path / "config.yaml").write_text(BASE + "threads: {train_model: 5, extract_activations: 2, embed_layer: 6, score_knn: 3, small_data: 0}\n")
    result = snakemake(tmp_path, "--configfile", "config.yaml", "-n", "--cores", "8")
    assert result.returncode == 0, result.stderr[-2000:]
    threads = job_threads(result.stdout)
    assert threads["train_model"] == {5} and threads["extract_activations"] == {2}
    assert threads["embed_layer"] == {6, 1}  # UMAP's and PaCMAP's jobs: threads.reducers, 1 by default
    assert threads["score_knn_highdim"] == {3} and threads["score_quality"] == {3}
    assert threads["score_knn"] == {1}
    schema = yaml.safe_load((REPO / "config" / "schema.yaml").read_text())
    described = schema["properties"]["threads"]["properties"]["score_knn"]["description"]
    assert "score_knn_highdim" in described and "score_quality" in described


def embed_threads(output: str) -> dict[str, set[int]]:
    """Reducer -> the thread counts of its embed_layer jobs in a `snakemake -n` listing."""
    threads: dict[str, set[int]] = {}
    for block in output.split("rule embed_layer:")[1:]:
        block = re.split(r"\n\S", block, maxsplit=1)[0]  # up to the next unindented line
        reducer = re.search(r"reducer=(\w+)", block).group(1)
        count = re.search(r"threads: (\d+)", block)
        threads.setdefault(reducer, set()).add(int(count.group(1)) if count else 1)
    return threads


def test_each_reducer_reserves_its_own_threads(tmp_path):
    """A seeded UMAP uses one thread, PaCMAP gains nothing from more: their jobs reserve 1 by
    default, the others threads.embed_layer (capped by --cores); threads.reducers sets any reducer's."""
    (tmp_path / "config.yaml").write_text(BASE + "threads: {embed_layer: 6, small_data: 0}\n")
    result = snakemake(tmp_path, "--configfile", "config.yaml", "-n", "--cores", "8")
    assert result.returncode == 0, result.stderr[-2000:]
    assert embed_threads(result.stdout) == {"pca": {6}, "umap": {1}, "tsne": {6}, "pacmap": {1}, "trimap": {6}}
    (tmp_path / "config.yaml").write_text(BASE + "threads: {embed_layer: 6, reducers: {tsne: 3, umap: 4}, small_data: 0}\n")
    result = snakemake(tmp_path, "--configfile", "config.yaml", "-n", "--cores", "2")
    assert embed_threads(result.stdout) == {"pca": {2}, "umap": {2}, "tsne": {2}, "pacmap": {1}, "trimap": {2}}
    result = snakemake(tmp_path, "--configfile", "config.yaml", "-n", "--cores", "8")
    assert embed_threads(result.stdout) == {"pca": {6}, "umap": {4}, "tsne": {3}, "pacmap": {1}, "trimap": {6}}
    # the fast path: an unseeded UMAP uses threads.embed_layer
    (tmp_path / "config.yaml").write_text(BASE + "threads: {embed_layer: 6, small_data: 0}\nreducers: {umap: {seeded: false}, pca: {}}\n")
    result = snakemake(tmp_path, "--configfile", "config.yaml", "-n", "--cores", "8")
    assert embed_threads(result.stdout) == {"pca": {6}, "umap": {6}}


def test_a_small_dataset_runs_every_job_on_one_thread(tmp_path, shared_data):
    """Below threads.small_data training points (digits: 1,347; an MNIST subsample of 2,000) every
    job reserves one thread, so that two run at once on 2 cores; the full MNIST keeps the config's."""
    (tmp_path / "config.yaml").write_text(
        "datasets:\n  digits: {source: digits}\n  small: {source: mnist, n_train: 2000, n_test: 500}\n"
        f"data_dir: {shared_data}\nthreads: {{reducers: {{tsne: 3}}}}\n"
    )
    result = snakemake(tmp_path, "--configfile", "config.yaml", "-n", "--cores", "8")
    assert result.returncode == 0, result.stderr[-2000:]
    assert set().union(*job_threads(result.stdout).values()) == {1}
    (tmp_path / "config.yaml").write_text(f"datasets: {{mnist: {{source: mnist}}}}\ndata_dir: {shared_data}\n")
    result = snakemake(tmp_path, "--configfile", "config.yaml", "-n", "--cores", "8", "--", "results/experiments/config/tables/knn_accuracy.tsv")
    assert set().union(*job_threads(result.stdout).values()) == {1}  # the defaults: one thread a job
    (tmp_path / "config.yaml").write_text(
        f"datasets: {{mnist: {{source: mnist}}}}\ndata_dir: {shared_data}\nthreads: {{train_model: 2, score_knn: 3, embed_layer: 2}}\n"
    )
    result = snakemake(tmp_path, "--configfile", "config.yaml", "-n", "--cores", "8", "--", "results/experiments/config/tables/knn_accuracy.tsv")
    threads = job_threads(result.stdout)
    assert threads["train_model"] == {2} and threads["score_knn_highdim"] == {3}
    assert embed_threads(result.stdout) == {"pca": {2}, "umap": {1}, "tsne": {2}, "pacmap": {1}, "trimap": {2}}
