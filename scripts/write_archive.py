"""Rule archive: one file holding what regenerates the experiment's figures and tables without
retraining (hidden_embed.provenance): models, config, package versions, data checksums, tables,
and the checksum of every output; scripts/replay_archive.py replays it."""

from pathlib import Path

from hidden_embed import runtime

log = runtime.setup(snakemake)  # noqa: F821 - injected by Snakemake

import yaml  # noqa: E402

from hidden_embed import provenance, sources  # noqa: E402

p, inputs = snakemake.params, snakemake.input  # noqa: F821
settings = {**p.config, "experiment": p.experiment}  # plain mappings (common.smk)
tables = list(inputs.tables)
texts = {
    "config.yaml": yaml.safe_dump(settings, sort_keys=False, allow_unicode=True),
    "packages.tsv": provenance.packages_text(),
    "data.tsv": provenance.data_rows(settings["datasets"], p.data_files, sources.SHA256),
    "manifest.tsv": provenance.manifest_text(list(inputs.outputs)),
    **{f"tables/{Path(f).name}": Path(f).read_text() for f in tables},
    "README.txt": (
        f"The archive of experiment {p.experiment} of hidden-embed, made with {provenance.python_line()}.\n"
        "Regenerate every figure and table from it, without retraining, in a checkout of the workflow:\n\n"
        "    .venv/bin/python scripts/replay_archive.py THIS_FILE --directory NEW_FOLDER [--data-dir DIR]\n\n"
        "It reports which files are bit-identical to the ones listed in archive/manifest.tsv.\n"
    ),
}
with runtime.atomic_path(snakemake.output[0]) as tmp:  # noqa: F821
    provenance.write(tmp, list(inputs.models), texts)
log.info("archived %d model files and folders, %d tables, %d checksums", len(inputs.models), len(tables), len(inputs.outputs))
