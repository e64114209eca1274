rule prepare_dataset:
    input:
        package("datasets.py", "official.py", "idx.py"),
    output:
        "results/{dataset}/data/dataset.npz",
    log:
        "results/logs/prepare_dataset/{dataset}.log",
    benchmark:
        "results/benchmarks/prepare_dataset/{dataset}.tsv"
    conda:
        "../envs/data.yaml"
    threads: 1
    params:
        spec=get_dataset_spec,
        data_dir=config["data_dir"],
        mirrors=config["mirrors"],
        download_dir=config["download_dir"],
        seed=config["seed"],
    script:
        "../scripts/prepare_dataset.py"
