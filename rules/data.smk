rule download_idx:
    input:
        package("idx.py", "official.py", "sources.py"),
    output:
        f"{config['download_dir']}/{{source}}/{{stem}}.gz",
    log:
        "results/logs/download_idx/{source}/{stem}.log",
    wildcard_constraints:
        source=alternatives(OFFICIAL),
        stem=alternatives(PARTS.values()),
    conda:
        "../envs/data.yaml"
    threads: 1
    params:
        mirrors=get_mirrors,
    script:
        "../scripts/download_idx.py"


rule prepare_dataset:
    input:
        package("datasets.py", "idx.py", "official.py", "sources.py"),
        unpack(get_source_files),
    output:
        "results/{dataset}/seed{seed}/data/dataset.npz",
    log:
        "results/logs/prepare_dataset/{dataset}/seed{seed}.log",
    benchmark:
        "results/benchmarks/prepare_dataset/{dataset}/seed{seed}.tsv"
    conda:
        "../envs/data.yaml"
    threads: 1
    params:
        spec=get_dataset_spec,
        data_seed=config["data_seed"],
    script:
        "../scripts/prepare_dataset.py"


rule extract_input:
    input:
        package("datasets.py", "idx.py", "official.py", "sources.py"),
        data="results/{dataset}/seed{seed}/data/dataset.npz",
    output:
        train="results/{dataset}/seed{seed}/activations/raw/train.npy",
        test="results/{dataset}/seed{seed}/activations/raw/test.npy",
        train_labels="results/{dataset}/seed{seed}/activations/train_labels.npy",
        test_labels="results/{dataset}/seed{seed}/activations/test_labels.npy",
    log:
        "results/logs/extract_input/{dataset}/seed{seed}.log",
    benchmark:
        "results/benchmarks/extract_input/{dataset}/seed{seed}.tsv"
    conda:
        "../envs/data.yaml"
    threads: 1
    script:
        "../scripts/extract_input.py"
