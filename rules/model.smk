rule train_model:
    input:
        package(
            "datasets.py",
            "idx.py",
            "layers.py",
            "model.py",
            "official.py",
            "sources.py",
        ),
        data="results/{dataset}/seed{seed}/data/dataset.npz",
    output:
        model="results/{dataset}/seed{seed}/{variant}/model/model.keras",
        summary="results/{dataset}/seed{seed}/{variant}/model/summary.txt",
        history="results/{dataset}/seed{seed}/{variant}/model/history.tsv",
        metrics="results/{dataset}/seed{seed}/{variant}/model/test_metrics.json",
    log:
        "results/logs/train_model/{dataset}/seed{seed}/{variant}.log",
    benchmark:
        "results/benchmarks/train_model/{dataset}/seed{seed}/{variant}.tsv"
    conda:
        "../envs/model.yaml"
    threads: get_threads("train_model")
    params:
        model=get_model_settings,
        seed=get_seed,
    script:
        "../scripts/train_model.py"


rule extract_activations:
    input:
        package(
            "datasets.py",
            "idx.py",
            "layers.py",
            "model.py",
            "official.py",
            "sources.py",
        ),
        data="results/{dataset}/seed{seed}/data/dataset.npz",
        model="results/{dataset}/seed{seed}/{variant}/model/model.keras",
    output:
        train="results/{dataset}/seed{seed}/{variant}/activations/{layer}/train.npy",
        test="results/{dataset}/seed{seed}/{variant}/activations/{layer}/test.npy",
    log:
        "results/logs/extract_activations/{dataset}/seed{seed}/{variant}/{layer}.log",
    benchmark:
        "results/benchmarks/extract_activations/{dataset}/seed{seed}/{variant}/{layer}.tsv"
    wildcard_constraints:
        layer="hidden[0-9]+|output",  # the input layer comes from extract_input
    conda:
        "../envs/model.yaml"
    threads: get_threads("extract_activations")
    params:
        seed=get_seed,
    script:
        "../scripts/extract_activations.py"
