rule plot_map:
    input:
        package(
            "datasets.py",
            "idx.py",
            "mapplots.py",
            "official.py",
            "sources.py",
            "style.py",
        ),
        embedding="results/{dataset}/{branch}/embeddings/{layer}/{reducer}.npz",
        data=get_dataset_file,
    output:
        png=report(
            "results/{dataset}/{branch}/figures/maps/{layer}/{reducer}.png",
            caption="../report/map.rst",
            category="{dataset}",
            subcategory="maps",
            labels={"run": "{branch}", "layer": "{layer}", "reducer": "{reducer}"},
        ),
        pdf="results/{dataset}/{branch}/figures/maps/{layer}/{reducer}.pdf",
    log:
        "results/logs/plot_map/{dataset}/{branch}/{layer}/{reducer}.log",
    conda:
        "../envs/plot.yaml"
    script:
        "../scripts/plot_map.py"


rule plot_map_grid:
    input:
        package(
            "datasets.py",
            "idx.py",
            "mapplots.py",
            "official.py",
            "sources.py",
            "style.py",
        ),
        embeddings=get_embeddings,
        data="results/{dataset}/seed{seed}/data/dataset.npz",
    output:
        png=report(
            "results/{dataset}/seed{seed}/{variant}/figures/map_grid_{split}.png",
            caption="../report/map_grid.rst",
            category="{dataset}",
            subcategory="overview",
            labels={
                "figure": "map grid",
                "run": "seed{seed}/{variant}",
                "points": "{split}",
            },
        ),
        pdf="results/{dataset}/seed{seed}/{variant}/figures/map_grid_{split}.pdf",
    log:
        "results/logs/plot_map_grid/{dataset}/seed{seed}/{variant}/{split}.log",
    conda:
        "../envs/plot.yaml"
    params:
        layers=LAYERS,
        reducers=REDUCERS,
    script:
        "../scripts/plot_map_grid.py"


rule plot_training_curves:
    input:
        package("quality.py", "style.py", "summaryplots.py"),
        history="results/{dataset}/seed{seed}/{variant}/model/history.tsv",
    output:
        png=report(
            "results/{dataset}/seed{seed}/{variant}/figures/training_curves.png",
            caption="../report/training_curves.rst",
            category="{dataset}",
            subcategory="overview",
            labels={
                "figure": "training curves",
                "run": "seed{seed}/{variant}",
                "points": "-",
            },
        ),
        pdf="results/{dataset}/seed{seed}/{variant}/figures/training_curves.pdf",
    log:
        "results/logs/plot_training_curves/{dataset}/seed{seed}/{variant}.log",
    conda:
        "../envs/plot.yaml"
    script:
        "../scripts/plot_training_curves.py"


rule plot_accuracy:
    input:
        package("quality.py", "style.py", "summaryplots.py", "tables.py"),
        summary="results/tables/knn_accuracy_summary.tsv",
    output:
        by_layer=report(
            "results/figures/accuracy_by_layer.png",
            caption="../report/accuracy_by_layer.rst",
            category="accuracy",
            labels={"figure": "accuracy by layer"},
        ),
        by_layer_pdf="results/figures/accuracy_by_layer.pdf",
        heatmap=report(
            "results/figures/accuracy_heatmap.png",
            caption="../report/accuracy_heatmap.rst",
            category="accuracy",
            labels={"figure": "accuracy heatmap"},
        ),
        heatmap_pdf="results/figures/accuracy_heatmap.pdf",
    log:
        "results/logs/plot_accuracy/plot_accuracy.log",
    conda:
        "../envs/plot.yaml"
    params:
        k=config["figures"]["k"],
        datasets=DATASETS,
        variants=VARIANTS,
        layers=LAYERS,
        reducers=REDUCERS,
    script:
        "../scripts/plot_accuracy.py"


rule plot_quality:
    input:
        package("quality.py", "style.py", "summaryplots.py", "tables.py"),
        summary="results/tables/embedding_quality_summary.tsv",
    output:
        png=report(
            "results/figures/embedding_quality.png",
            caption="../report/quality.rst",
            category="quality",
            labels={"figure": "embedding quality"},
        ),
        pdf="results/figures/embedding_quality.pdf",
    log:
        "results/logs/plot_quality/plot_quality.log",
    conda:
        "../envs/plot.yaml"
    params:
        variants=VARIANTS,
        layers=LAYERS,
        reducers=REDUCERS,
    script:
        "../scripts/plot_quality.py"


rule animate_activations:
    input:
        package(
            "animation.py",
            "datasets.py",
            "idx.py",
            "official.py",
            "sources.py",
            "style.py",
        ),
        data="results/{dataset}/seed{seed}/data/dataset.npz",
        activations=get_dense_activations,
    output:
        examples=report(
            "results/{dataset}/seed{seed}/{variant}/figures/animations/class_examples.gif",
            caption="../report/class_examples.rst",
            category="{dataset}",
            subcategory="animations",
            labels={"animation": "examples", "run": "seed{seed}/{variant}"},
        ),
        ensemble=report(
            "results/{dataset}/seed{seed}/{variant}/figures/animations/ensemble.gif",
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
        [f"results/paper/{name}" for name in get_paper_sources()],
    log:
        "results/logs/paper/paper.log",
    conda:
        "../envs/plot.yaml"
    script:
        "../scripts/collect_paper.py"
