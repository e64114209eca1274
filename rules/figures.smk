rule plot_map:
    input:
        package("datasets.py", "mapplots.py", "sources.py", "style.py"),
        embedding=PATHS["embedding"],
        data=get_dataset_file,
    output:
        png=report(
            path("map_figure", ext="png"),
            caption="../report/map.rst",
            category="{dataset}",
            subcategory="maps",
            labels={"run": "{branch}", "layer": "{layer}", "reducer": "{reducer}"},
        ),
        pdf=path("map_figure", ext="pdf"),
    log:
        "results/logs/plot_map/{dataset}/{branch}/{layer}/{reducer}.log",
    benchmark:
        "results/benchmarks/plot_map/{dataset}/{branch}/{layer}/{reducer}.tsv"
    conda:
        "../envs/plot.yaml"
    script:
        "../scripts/plot_map.py"


rule plot_map_grid:
    input:
        package("datasets.py", "mapplots.py", "sources.py", "style.py"),
        embeddings=get_embeddings,
        data=PATHS["dataset"],
    output:
        png=report(
            path("run_figure", name="map_grid_{split}", ext="png"),
            caption="../report/map_grid.rst",
            category="{dataset}",
            subcategory="overview",
            labels={
                "figure": "map grid",
                "run": "seed{seed}/{variant}",
                "points": "{split}",
            },
        ),
        pdf=path("run_figure", name="map_grid_{split}", ext="pdf"),
    log:
        "results/logs/plot_map_grid/{dataset}/seed{seed}/{variant}/{split}.log",
    benchmark:
        "results/benchmarks/plot_map_grid/{dataset}/seed{seed}/{variant}/{split}.tsv"
    conda:
        "../envs/plot.yaml"
    params:
        layers=get_run_layers,
        reducers=REDUCERS,
    script:
        "../scripts/plot_map_grid.py"


rule plot_training_curves:
    input:
        package("quality.py", "style.py", "summaryplots.py", "tables.py"),
        history=path("model", file="history.tsv"),
    output:
        png=report(
            path("run_figure", name="training_curves", ext="png"),
            caption="../report/training_curves.rst",
            category="{dataset}",
            subcategory="overview",
            labels={
                "figure": "training curves",
                "run": "seed{seed}/{variant}",
                "points": "-",
            },
        ),
        pdf=path("run_figure", name="training_curves", ext="pdf"),
    log:
        "results/logs/plot_training_curves/{dataset}/seed{seed}/{variant}.log",
    conda:
        "../envs/plot.yaml"
    script:
        "../scripts/plot_training_curves.py"


rule plot_accuracy:
    input:
        package("quality.py", "style.py", "summaryplots.py", "tables.py"),
        summary=path("table", name="knn_accuracy_summary.tsv"),
    output:
        by_layer=report(
            path("figure", name="accuracy_by_layer", ext="png"),
            caption="../report/accuracy_by_layer.rst",
            category="accuracy",
            labels={"figure": "accuracy by layer"},
        ),
        by_layer_pdf=path("figure", name="accuracy_by_layer", ext="pdf"),
        heatmap=report(
            path("figure", name="accuracy_heatmap", ext="png"),
            caption="../report/accuracy_heatmap.rst",
            category="accuracy",
            labels={"figure": "accuracy heatmap"},
        ),
        heatmap_pdf=path("figure", name="accuracy_heatmap", ext="pdf"),
    log:
        f"results/logs/plot_accuracy/{EXPERIMENT}.log",
    conda:
        "../envs/plot.yaml"
    params:
        k=config["figures"]["k"],
        datasets=DATASETS,
        variants=VARIANTS,
        layers=RUN_LAYERS,
        reducers=REDUCERS,
    script:
        "../scripts/plot_accuracy.py"


rule plot_quality:
    input:
        package("quality.py", "style.py", "summaryplots.py", "tables.py"),
        summary=path("table", name="embedding_quality_summary.tsv"),
    output:
        png=report(
            path("figure", name="embedding_quality", ext="png"),
            caption="../report/quality.rst",
            category="quality",
            labels={"figure": "embedding quality"},
        ),
        pdf=path("figure", name="embedding_quality", ext="pdf"),
    log:
        f"results/logs/plot_quality/{EXPERIMENT}.log",
    conda:
        "../envs/plot.yaml"
    params:
        variants=VARIANTS,
        layers=RUN_LAYERS,
        reducers=REDUCERS,
    script:
        "../scripts/plot_quality.py"


rule animate_activations:
    input:
        package("animation.py", "datasets.py", "mapplots.py", "sources.py", "style.py"),
        data=PATHS["dataset"],
        activations=get_dense_activations,
    output:
        examples=report(
            path("animation", name="class_examples"),
            caption="../report/class_examples.rst",
            category="{dataset}",
            subcategory="animations",
            labels={"animation": "examples", "run": "seed{seed}/{variant}"},
        ),
        ensemble=report(
            path("animation", name="ensemble"),
            caption="../report/ensemble.rst",
            category="{dataset}",
            subcategory="animations",
            labels={"animation": "ensemble", "run": "seed{seed}/{variant}"},
        ),
    log:
        "results/logs/animate_activations/{dataset}/seed{seed}/{variant}.log",
    benchmark:
        "results/benchmarks/animate_activations/{dataset}/seed{seed}/{variant}.tsv"
    conda:
        "../envs/plot.yaml"
    threads: 1
    params:
        layers=get_dense_layer_names,
        animation=config["figures"]["animation"],
    script:
        "../scripts/animate_activations.py"


rule paper:
    input:
        package(),
        **get_paper_sources(),
    output:
        expand(PATHS["paper"], name=get_paper_sources()),
    log:
        f"results/logs/paper/{EXPERIMENT}.log",
    conda:
        "../envs/plot.yaml"
    script:
        "../scripts/collect_paper.py"


rule plot_layers:
    input:
        package("quality.py", "style.py", "summaryplots.py", "tables.py"),
        summary=path("table", name="layers_summary.tsv"),
    output:
        png=report(
            path("figure", name="layers", ext="png"),
            caption="../report/layers.rst",
            category="layers",
            labels={"figure": "layer similarity and capacity"},
        ),
        pdf=path("figure", name="layers", ext="pdf"),
    log:
        f"results/logs/plot_layers/{EXPERIMENT}.log",
    conda:
        "../envs/plot.yaml"
    params:
        variants=VARIANTS,
    script:
        "../scripts/plot_layers.py"
