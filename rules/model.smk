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
        variant=alternatives(SAVED_VARIANTS) or "(?!)",  # kind saved (none: never matches)
    conda:
        "../envs/model.yaml"
    threads: get_threads("extract_activations")
    params:
        portable_kernels=config["portable_kernels"],
        threads=get_threads("extract_activations"),
        output_layer=get_output_layer,
        seed=get_seed,
    script:
        "../scripts/import_model.py"


rule extract_activations:
    input:
        package("datasets.py", "layers.py", "model.py", "networks.py", "sources.py"),
        data=PATHS["dataset"],
        model=path("model", file="model.keras"),
    output:
        train=path("layer_activations", split="train"),
        test=path("layer_activations", split="test"),
    log:
        "results/logs/extract_activations/{dataset}/seed{seed}/{variant}/{layer}.log",
    benchmark:
        "results/benchmarks/extract_activations/{dataset}/seed{seed}/{variant}/{layer}.tsv"
    wildcard_constraints:
        layer=alternatives([l for l in ALL_LAYERS if l != RAW]),  # raw: extract_input
    conda:
        "../envs/model.yaml"
    threads: get_threads("extract_activations")
    params:
        portable_kernels=config["portable_kernels"],
        threads=get_threads("extract_activations"),
        seed=get_seed,
        pooling=get_pooling,
    script:
        "../scripts/extract_activations.py"
