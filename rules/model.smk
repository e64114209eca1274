rule train_model:
    input:
        package("datasets.py", "layers.py", "model.py", "networks.py", "sources.py"),
        data=PATHS["dataset"],
    output:
        model=path("model", file="model.keras"),
        summary=path("model", file="summary.txt"),
        history=path("model", file="history.tsv"),
        metrics=path("model", file="test_metrics.json"),
        checkpoints=directory(PATHS["checkpoints"]),
    log:
        "results/logs/train_model/{dataset}/seed{seed}/{variant}.log",
    benchmark:
        "results/benchmarks/train_model/{dataset}/seed{seed}/{variant}.tsv"
    wildcard_constraints:
        variant=alternatives(TRAINED_VARIANTS) or "(?!)",  # kinds mlp and cnn
    conda:
        "../envs/model.yaml"
    threads: get_threads("train_model")
    params:
        portable_kernels=config["portable_kernels"],
        threads=get_threads("train_model"),
        model=get_model_settings,
        seed=get_seed,
    script:
        "../scripts/train_model.py"


rule import_model:
    input:
        package("datasets.py", "layers.py", "model.py", "networks.py", "sources.py"),
        data=PATHS["dataset"],
        saved=get_saved_model,
    output:
        model=path("model", file="model.keras"),
        summary=path("model", file="summary.txt"),
        metrics=path("model", file="test_metrics.json"),
    log:
        "results/logs/import_model/{dataset}/seed{seed}/{variant}.log",
    benchmark:
        "results/benchmarks/import_model/{dataset}/seed{seed}/{variant}.tsv"
    wildcard_constraints:
        variant=alternatives(IMPORTED["saved"]) or "(?!)",  # kind saved (none: never matches)
    conda:
        "../envs/model.yaml"
    threads: get_threads("extract_activations")
    params:
        portable_kernels=config["portable_kernels"],
        threads=get_threads("extract_activations"),
        output_layer=get_output_layer,
        kind=get_kind,
        input_scaling=get_input_scaling,
        seed=get_seed,
    script:
        "../scripts/import_model.py"


# A PyTorch model exported with torch.export, and an ONNX file: the same check and copy.
use rule import_model as import_torch_model with:
    output:
        model=path("model", file="model.pt2"),
        summary=path("model", file="summary.txt"),
        metrics=path("model", file="test_metrics.json"),
    log:
        "results/logs/import_model/{dataset}/seed{seed}/{variant}.log",
    benchmark:
        "results/benchmarks/import_model/{dataset}/seed{seed}/{variant}.tsv"
    wildcard_constraints:
        variant=alternatives(IMPORTED["torch"]) or "(?!)",  # kind torch


use rule import_model as import_onnx_model with:
    output:
        model=path("model", file="model.onnx"),
        summary=path("model", file="summary.txt"),
        metrics=path("model", file="test_metrics.json"),
    log:
        "results/logs/import_model/{dataset}/seed{seed}/{variant}.log",
    benchmark:
        "results/benchmarks/import_model/{dataset}/seed{seed}/{variant}.tsv"
    wildcard_constraints:
        variant=alternatives(IMPORTED["onnx"]) or "(?!)",  # kind onnx


rule extract_activations:
    input:
        package("datasets.py", "layers.py", "model.py", "networks.py", "sources.py"),
        data=PATHS["dataset"],
        model=get_model_file,
    output:
        train=path("layer_activations", split="train"),
        test=path("layer_activations", split="test"),
    log:
        "results/logs/extract_activations/{dataset}/seed{seed}/{variant}/{layer}.log",
    benchmark:
        "results/benchmarks/extract_activations/{dataset}/seed{seed}/{variant}/{layer}.tsv"
    wildcard_constraints:
        layer=alternatives([l for l in ALL_LAYERS if l != RAW]),  # raw: extract_input
        variant=alternatives(MODEL_VARIANTS) or "(?!)",  # given activations: import_activations
    conda:
        "../envs/model.yaml"
    threads: get_threads("extract_activations")
    params:
        portable_kernels=config["portable_kernels"],
        threads=get_threads("extract_activations"),
        seed=get_seed,
        pooling=get_pooling,
        kind=get_kind,
        input_scaling=get_input_scaling,
    script:
        "../scripts/extract_activations.py"


# Kind activations: the user's own activations of one layer, checked (while parsing) and copied
# into the run as float32, one vector per point.
rule import_activations:
    input:
        package("layers.py", "networks.py"),
        given=get_given_files,
    output:
        train=path("layer_activations", split="train"),
        test=path("layer_activations", split="test"),
    log:
        "results/logs/import_activations/{dataset}/seed{seed}/{variant}/{layer}.log",
    benchmark:
        "results/benchmarks/import_activations/{dataset}/seed{seed}/{variant}/{layer}.tsv"
    wildcard_constraints:
        layer=alternatives([l for l in ALL_LAYERS if l != RAW]),
        variant=alternatives(GIVEN_VARIANTS) or "(?!)",  # kind activations
    conda:
        "../envs/data.yaml"
    params:
        portable_kernels=config["portable_kernels"],
        folder=get_given_folder,
        pooling=get_pooling,
    script:
        "../scripts/import_activations.py"


# `snakemake --cores 1 list_layers`: every network's layers with their shapes, read from the
# models without running them (as the config check reads them), printed each time and kept in its
# log. No output file: the rule runs whenever it is asked for.
rule list_layers:
    input:
        package(),
    log:
        f"results/logs/list_layers/{EXPERIMENT}.log",
    conda:
        "../envs/data.yaml"
    params:
        listing=configcheck.layer_listing(config),
    script:
        "../scripts/list_layers.py"
