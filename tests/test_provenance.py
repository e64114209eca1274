"""A run's archive (hidden_embed.provenance) and the experiment's name (configcheck)."""

from __future__ import annotations

import tarfile

import pytest

from conftest import REPO
from hidden_embed import configcheck, provenance

REFERENCE = REPO / "config" / "config.yaml"


@pytest.mark.parametrize(
    "given, files, name",
    [
        (None, [], "reference"),
        (None, [str(REFERENCE)], "reference"),
        (None, ["quick.yaml"], "quick"),
        (None, ["config/fashion-mnist-cnn.yaml"], "fashion-mnist-cnn"),
        (None, [str(REFERENCE), "my.yaml"], "reference+my"),
        ("paper-2027", ["quick.yaml"], "paper-2027"),
    ],
)
def test_each_config_names_its_own_experiment(given, files, name):
    assert configcheck.experiment_name(given, files, REFERENCE) == name


def test_a_config_file_whose_stem_is_no_folder_name_asks_for_experiment():
    with pytest.raises(configcheck.ConfigError, match="set experiment: NAME"):
        configcheck.experiment_name(None, ["my run.yaml"], REFERENCE)


def test_an_archive_is_the_same_file_for_the_same_run_and_unpacks_what_it_holds(tmp_path):
    (tmp_path / "results/m/model/checkpoints").mkdir(parents=True)
    (tmp_path / "results/m/model/model.keras").write_bytes(b"weights")
    (tmp_path / "results/m/model/checkpoints/epoch000.weights.h5").write_bytes(b"w0")
    texts = {"config.yaml": "seeds: [0]\n", "manifest.tsv": provenance.manifest_text(["results/m/model/model.keras"], tmp_path)}
    first, second = tmp_path / "a.tar.gz", tmp_path / "b.tar.gz"
    provenance.write(first, ["results/m/model/model.keras", "results/m/model/checkpoints"], texts, root=tmp_path)
    provenance.write(second, ["results/m/model/checkpoints", "results/m/model/model.keras"], texts, root=tmp_path)
    assert first.read_bytes() == second.read_bytes()
    names = provenance.unpack(first, tmp_path / "out")
    assert sorted(names) == [
        "archive/config.yaml", "archive/manifest.tsv",
        "results/m/model/checkpoints/epoch000.weights.h5", "results/m/model/model.keras",
    ]  # fmt: skip
    verdict = provenance.compare(texts["manifest.tsv"], tmp_path / "out")
    assert verdict == {"identical": ["results/m/model/model.keras"], "different": [], "missing": []}
    (tmp_path / "out/results/m/model/model.keras").write_bytes(b"other")
    assert provenance.compare(texts["manifest.tsv"], tmp_path / "out")["different"] == ["results/m/model/model.keras"]


def test_an_archive_member_outside_its_folder_is_refused(tmp_path):
    bad = tmp_path / "bad.tar.gz"
    (tmp_path / "x").write_text("x")
    with tarfile.open(bad, "w:gz") as tar:
        tar.add(tmp_path / "x", arcname="../escaped")
    with pytest.raises(ValueError, match="not a file inside"):
        provenance.unpack(bad, tmp_path / "out")
    assert not (tmp_path / "escaped").exists()


def test_package_differences_name_each_package_and_both_versions():
    archived = "name\tversion\npython\t3.11.7\nnumpy\t2.4.6\numap-learn\t0.5.12\n"
    here = "name\tversion\npython\t3.11.7\nnumpy\t2.4.7\n"
    assert provenance.package_differences(archived, here) == [
        "numpy: 2.4.7 here, 2.4.6 in the archive",
        "umap-learn: not installed here, 0.5.12 in the archive",
    ]
    assert provenance.package_differences(here, here) == []
    assert "numpy\t" in provenance.packages_text()


def test_data_rows_give_the_published_checksum_of_official_files_and_hash_a_users_file(tmp_path):
    own = tmp_path / "cells.npz"
    own.write_bytes(b"data")
    rows = provenance.data_rows(
        {"mnist": {"source": "mnist"}, "cells": {"source": "npz"}, "digits": {"source": "digits"}},
        {"mnist": {"X_train": "d/mnist/train-images-idx3-ubyte.gz"}, "cells": {"npz": str(own)}},
        {"mnist": {"train-images-idx3-ubyte": "ab" * 32}},
    ).splitlines()
    assert rows[1] == f"mnist\tX_train\ttrain-images-idx3-ubyte.gz\t{'ab' * 32}"
    assert rows[2] == f"cells\tnpz\tcells.npz\t{provenance.sha256_file(own)}"
    assert rows[3].startswith("digits\tdigits\t")


def test_a_replay_refuses_a_users_file_that_is_missing_or_not_the_archived_one(tmp_path):
    own = tmp_path / "cells.npz"
    own.write_bytes(b"data")
    datasets = {"cells": {"source": "npz", "path": "cells.npz"}, "digits": {"source": "digits"}}
    rows = provenance.data_rows(datasets, {"cells": {"npz": str(own)}}, {})
    assert provenance.user_data_faults(datasets, rows, tmp_path) == []
    own.write_bytes(b"other data")
    assert provenance.user_data_faults(datasets, rows, tmp_path) == [
        f"dataset cells: {own} is not the archived file (its sha256 differs); a replay needs the same data"
    ]
    own.unlink()
    assert "cells.npz is missing" in provenance.user_data_faults(datasets, rows, tmp_path)[0]
