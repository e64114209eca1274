rule train_model:
    input:
        package("model.py", "layers.py", "datasets.py"),
        data="results/{dataset}/data/dataset.npz",
    output:
        model="results/{dataset}/model/model.keras",
        summary="results/{dataset}/model/summary.txt",
        history="results/{dataset}/model/history.tsv",
        metrics="results/{dataset}/model/test_metrics.json",
    log:
        "results/logs/train_model/{dataset}.log",
    benchmark:
        "results/benchmarks/train_model/{dataset}.tsv"
    conda:
        "../envs/model.yaml"
    threads: get_threads("train_model")
    params:
        model=config["model"],
        seed=config["seed"],
    script:
        "../scripts/train_model.py"


rule extract_activations:
    input:
        package("model.py", "layers.py", "datasets.py"),
        data="results/{dataset}/data/dataset.npz",
        model="results/{dataset}/model/model.keras",
    output:
        expand(
            "results/{{dataset}}/activations/{layer}/{split}.npy",
            layer=ALL_LAYERS,
            split=["train", "test"],
        ),
        labels=expand(
            "results/{{dataset}}/activations/{split}_labels.npy",
            split=["train", "test"],
        ),
    log:
        "results/logs/extract_activations/{dataset}.log",
    benchmark:
        "results/benchmarks/extract_activations/{dataset}.tsv"
    conda:
        "../envs/model.yaml"
    threads: get_threads("extract_activations")
    params:
        layers=ALL_LAYERS,
        seed=config["seed"],
    script:
        "../scripts/extract_activations.py"
