rule aggregate_accuracy:
    input:
        package("tables.py"),
        tables=get_knn_tables,
    output:
        tidy=path("table", name="knn_accuracy.tsv"),
        summary=path("table", name="knn_accuracy_summary.tsv"),
        seconds=path("table", name="map_seconds.tsv"),
        markdown=path("table", name="knn_accuracy_pivot.md"),
        latex=path("table", name="knn_accuracy_pivot.tex"),
        html=report(
            path("table", name="knn_accuracy.html"),
            caption="../report/knn_table.rst",
            category="accuracy",
            labels={"table": "kNN accuracy"},
        ),
    log:
        f"results/logs/aggregate_accuracy/{EXPERIMENT}.log",
    conda:
        "../envs/reduce.yaml"
    params:
        datasets=DATASETS,
        variants=VARIANTS,
        layers=RUN_LAYERS,
        reducers=REDUCERS,
        preprocess=PREPROCESS,
        input_variants=INPUT_VARIANTS,
    script:
        "../scripts/aggregate_accuracy.py"


rule aggregate_quality:
    input:
        package("quality.py", "tables.py"),
        tables=get_quality_tables,
    output:
        tidy=path("table", name="embedding_quality.tsv"),
        summary=path("table", name="embedding_quality_summary.tsv"),
        html=report(
            path("table", name="embedding_quality.html"),
            caption="../report/quality_table.rst",
            category="quality",
            labels={"table": "embedding quality"},
        ),
    log:
        f"results/logs/aggregate_quality/{EXPERIMENT}.log",
    conda:
        "../envs/reduce.yaml"
    params:
        datasets=DATASETS,
        variants=VARIANTS,
        layers=RUN_LAYERS,
        reducers=REDUCERS,
        preprocess=PREPROCESS,
        input_variants=INPUT_VARIANTS,
    script:
        "../scripts/aggregate_quality.py"


rule aggregate_layers:
    input:
        package("tables.py"),
        tables=get_layer_score_tables,
    output:
        tidy=path("table", name="layers.tsv"),
        summary=path("table", name="layers_summary.tsv"),
        html=report(
            path("table", name="layers.html"),
            caption="../report/layers_table.rst",
            category="layers",
            labels={"table": "layer scores"},
        ),
    log:
        f"results/logs/aggregate_layers/{EXPERIMENT}.log",
    conda:
        "../envs/reduce.yaml"
    params:
        datasets=DATASETS,
        variants=VARIANTS,
        layers=RUN_ALL_LAYERS,
    script:
        "../scripts/aggregate_layers.py"
