rule build_explorer:
    input:
        package("datasets.py", "explorer.py", "mapplots.py", "sources.py", "style.py"),
        unpack(get_output_activations),  # train_output, test_output: the class scores
        unpack(get_journey),  # layers: the aligned layer maps per reducer; journey_map
        assets=EXPLORER_ASSETS,
        embeddings=get_embeddings,
        dynamics=get_explorer_dynamics,
        data=PATHS["dataset"],
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
        layers=get_run_layers,
        reducers=REDUCERS,
        neighbours=config["explorer"]["neighbours"],
        journey_k=JOURNEY["k"],
    script:
        "../scripts/build_explorer.py"
