rule build_explorer:
    input:
        package("datasets.py", "explorer.py", "mapplots.py", "sources.py", "style.py"),
        assets=EXPLORER_ASSETS,
        embeddings=get_embeddings,
        data=PATHS["dataset"],
        train_output=path("layer_activations", layer="output", split="train"),
        test_output=path("layer_activations", layer="output", split="test"),
    output:
        report(
            PATHS["explorer"],
            caption="../report/explorer.rst",
            category="{dataset}",
            subcategory="explorer",
            labels={"explorer": "every map, linked", "run": "seed{seed}/{variant}"},
        ),
    log:
        "results/logs/build_explorer/{dataset}/seed{seed}/{variant}.log",
    benchmark:
        "results/benchmarks/build_explorer/{dataset}/seed{seed}/{variant}.tsv"
    conda:
        "../envs/plot.yaml"
    threads: 1
    resources:
        mem_mb=2000,
    params:
        layers=LAYERS,
        reducers=REDUCERS,
        neighbours=config["explorer"]["neighbours"],
    script:
        "../scripts/build_explorer.py"
