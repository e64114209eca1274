rule align_layers:
    input:
        package("journey.py", "knn.py"),
        maps=get_layer_maps,
    output:
        PATHS["journey"],
    log:
        "results/logs/align_layers/{dataset}/seed{seed}/{variant}/{reducer}.log",
    benchmark:
        "results/benchmarks/align_layers/{dataset}/seed{seed}/{variant}/{reducer}.tsv"
    conda:
        "../envs/reduce.yaml"
    threads: get_threads("score_knn")
    resources:
        mem_mb=2000,
    params:
        portable_kernels=config["portable_kernels"],
        threads=get_threads("score_knn"),
        layers=get_run_layers,
        k=JOURNEY["k"],
    script:
        "../scripts/align_layers.py"


rule map_journey:
    input:
        package("dynamics.py", "journey.py", "knn.py", "quality.py", "reducers.py"),
        get_journey_compiled,
        unpack(get_labels),
        activations=get_test_activations,
    output:
        PATHS["journey_map"],
    log:
        "results/logs/map_journey/{dataset}/seed{seed}/{variant}.log",
    benchmark:
        "results/benchmarks/map_journey/{dataset}/seed{seed}/{variant}.tsv"
    conda:
        "../envs/reduce.yaml"
    threads: 1  # a seeded AlignedUMAP runs on one thread
    resources:
        mem_mb=4000,
    params:
        portable_kernels=config["portable_kernels"],
        layers=get_run_layers,
        n_neighbors=JOURNEY["n_neighbors"],
        seed=get_seed,
    script:
        "../scripts/map_journey.py"


rule animate_journey:
    input:
        package(
            "animation.py",
            "datasets.py",
            "journey.py",
            "mapplots.py",
            "sources.py",
            "style.py",
        ),
        journey=get_journey_animation_input,
        data=PATHS["dataset"],
    output:
        report(
            PATHS["journey_animation"],
            caption="../report/journey.rst",
            category="{dataset}",
            subcategory="journey",
            labels={
                "animation": "{name} through the layers",
                "run": "seed{seed}/{variant}",
            },
        ),
    log:
        "results/logs/animate_journey/{dataset}/seed{seed}/{variant}/{name}.log",
    benchmark:
        "results/benchmarks/animate_journey/{dataset}/seed{seed}/{variant}/{name}.tsv"
    wildcard_constraints:
        name=alternatives(JOURNEY_NAMES),
    conda:
        "../envs/plot.yaml"
    params:
        steps=JOURNEY["steps"],
        seconds_per_frame=config["figures"]["animation"]["seconds_per_frame"],
    script:
        "../scripts/animate_journey.py"
