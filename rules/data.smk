rule prepare_dataset:
    input:
        package("datasets.py", "official.py", "idx.py"),
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
        data_dir=config["data_dir"],
        mirrors=config["mirrors"],
        download_dir=config["download_dir"],
        seed=get_seed,
    script:
        "../scripts/prepare_dataset.py"


rule extract_input:
    input:
        package("datasets.py", "layers.py"),
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
