rule download_idx:
    input:
        package("idx.py", "official.py", "sources.py"),
    output:
        PATHS["download"],
    log:
        "results/logs/download_idx/{source}/{stem}.log",
    wildcard_constraints:
        source=alternatives(IDX_SOURCES),
        stem=alternatives(PARTS.values()),
    conda:
        "../envs/data.yaml"
    threads: 1
    params:
        mirrors=get_mirrors,
    script:
        "../scripts/download_idx.py"


rule download_archive:
    input:
        package("archives.py", "sources.py"),
    output:
        PATHS["download"],
    log:
        "results/logs/download_archive/{source}/{stem}.log",
    wildcard_constraints:
        source=alternatives(ARCHIVE_SOURCES),
        stem=alternatives(ARCHIVES[s]["file"].removesuffix(".gz") for s in ARCHIVES),
    conda:
        "../envs/data.yaml"
    threads: 1
    params:
        mirrors=get_mirrors,
    script:
        "../scripts/download_archive.py"


rule prepare_dataset:
    input:
        package(
            "archives.py",
            "datasets.py",
            "idx.py",
            "loading.py",
            "official.py",
            "sources.py",
        ),
        unpack(get_source_files),
    output:
        PATHS["dataset"],
    log:
        "results/logs/prepare_dataset/{dataset}/seed{seed}.log",
    benchmark:
        "results/benchmarks/prepare_dataset/{dataset}/seed{seed}.tsv"
    conda:
        "../envs/data.yaml"
    threads: 1
    params:
        portable_kernels=config["portable_kernels"],
        spec=get_dataset_spec,
        data_seed=config["data_seed"],
    script:
        "../scripts/prepare_dataset.py"


rule extract_input:
    input:
        package("datasets.py", "sources.py"),
        data=PATHS["dataset"],
    output:
        train=path("input_layer", split="train"),
        test=path("input_layer", split="test"),
        train_labels=path("labels", split="train"),
        test_labels=path("labels", split="test"),
    log:
        "results/logs/extract_input/{dataset}/seed{seed}.log",
    benchmark:
        "results/benchmarks/extract_input/{dataset}/seed{seed}.tsv"
    conda:
        "../envs/data.yaml"
    threads: 1
    script:
        "../scripts/extract_input.py"
