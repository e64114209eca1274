rule extract_checkpoint:
    input:
        package("datasets.py", "layers.py", "model.py", "networks.py", "sources.py"),
        data=PATHS["dataset"],
        model=path("model", file="model.keras"),
        checkpoints=PATHS["checkpoints"],
    output:
        PATHS["probe_activations"],
    log:
        "results/logs/extract_checkpoint/{dataset}/seed{seed}/{variant}/epoch{epoch}.log",
    benchmark:
        "results/benchmarks/extract_checkpoint/{dataset}/seed{seed}/{variant}/epoch{epoch}.tsv"
    conda:
        "../envs/model.yaml"
    threads: get_threads("extract_activations")
    params:
        portable_kernels=config["portable_kernels"],
        threads=get_threads("extract_activations"),
        layers=get_dense_layer_names,
        pooling=get_run_pooling,
        probe_points=get_probe_points,
        data_seed=config["data_seed"],
        seed=get_seed,
    script:
        "../scripts/extract_checkpoint.py"


rule score_dynamics:
    input:
        package(
            "dynamics.py",
            "journey.py",
            "knn.py",
            "quality.py",
            "reducers.py",
            "tables.py",
        ),
        get_dynamics_compiled,
        activations=get_probe_activations,
    output:
        maps=PATHS["dynamics_maps"],
        scores=PATHS["dynamics_scores"],
    log:
        "results/logs/score_dynamics/{dataset}/seed{seed}/{variant}/{layer}.log",
    benchmark:
        "results/benchmarks/score_dynamics/{dataset}/seed{seed}/{variant}/{layer}.tsv"
    conda:
        "../envs/reduce.yaml"
    threads: 1  # a seeded AlignedUMAP runs on one thread
    params:
        portable_kernels=config["portable_kernels"],
        epochs=sorted(DYNAMICS["epochs"]),
        settings=DYNAMICS,
        quality=config["quality"],
        seed=get_seed,
    script:
        "../scripts/score_dynamics.py"


rule aggregate_dynamics:
    input:
        package("tables.py"),
        tables=get_dynamics_tables,
    output:
        tidy=path("table", name="dynamics.tsv"),
        summary=path("table", name="dynamics_summary.tsv"),
    log:
        f"results/logs/aggregate_dynamics/{EXPERIMENT}.log",
    conda:
        "../envs/reduce.yaml"
    params:
        datasets=DATASETS,
        variants=VARIANTS,
        layers=RUN_DYNAMICS_LAYERS,
    script:
        "../scripts/aggregate_dynamics.py"


rule plot_dynamics:
    input:
        package("quality.py", "style.py", "summaryplots.py", "tables.py"),
        summary=path("table", name="dynamics_summary.tsv"),
    output:
        png=report(
            path("figure", name="dynamics", ext="png"),
            caption="../report/dynamics.rst",
            category="dynamics",
            labels={"figure": "curves over training"},
        ),
        pdf=path("figure", name="dynamics", ext="pdf"),
    log:
        f"results/logs/plot_dynamics/{EXPERIMENT}.log",
    conda:
        "../envs/plot.yaml"
    params:
        variants=VARIANTS,
        layers=RUN_DYNAMICS_LAYERS,
    script:
        "../scripts/plot_dynamics.py"


rule plot_dynamics_maps:
    input:
        package("datasets.py", "mapplots.py", "sources.py", "style.py"),
        maps=get_dynamics_maps,
        data=PATHS["dataset"],
    output:
        png=report(
            path("run_figure", name="dynamics_maps", ext="png"),
            caption="../report/dynamics_maps.rst",
            category="dynamics",
            labels={
                "figure": "maps over training",
                "run": "{dataset}/seed{seed}/{variant}",
            },
        ),
        pdf=path("run_figure", name="dynamics_maps", ext="pdf"),
    log:
        "results/logs/plot_dynamics_maps/{dataset}/seed{seed}/{variant}.log",
    conda:
        "../envs/plot.yaml"
    params:
        layers=get_dynamics_layers,
    script:
        "../scripts/plot_dynamics_maps.py"


rule animate_dynamics:
    input:
        package("animation.py", "datasets.py", "mapplots.py", "sources.py", "style.py"),
        maps=PATHS["dynamics_maps"],
        data=PATHS["dataset"],
    output:
        PATHS["dynamics_animation"],
    log:
        "results/logs/animate_dynamics/{dataset}/seed{seed}/{variant}/{layer}.log",
    conda:
        "../envs/plot.yaml"
    params:
        seconds_per_frame=config["figures"]["animation"]["seconds_per_frame"],
    script:
        "../scripts/animate_dynamics.py"
