"""Rule prepare_dataset: load one dataset from its files, verify, subsample, preprocess, save as .npz."""

from hidden_embed import runtime

log = runtime.setup(snakemake)  # noqa: F821 - injected by Snakemake

from hidden_embed import datasets, loading  # noqa: E402

params = snakemake.params  # noqa: F821
files = {name: str(path) for name, path in snakemake.input.items() if name}  # noqa: F821
data = loading.load_source(params.spec, files, seed=params.data_seed)
log.info(
    "%s: %d train, %d test, %d features, %d classes, image shape %s, preprocess %s",
    snakemake.wildcards.dataset,  # noqa: F821
    len(data.y_train),
    len(data.y_test),
    data.n_features,
    data.n_classes,
    data.image_shape,
    params.spec["preprocess"],
)
runtime.save_npz(snakemake.output[0], **datasets.to_npz_dict(data))  # noqa: F821
