rule embed_layer:
    input:
        package("reducers.py"),
        unpack(get_labels),
        train="results/{dataset}/{branch}/activations/{layer}/train.npy",
        test="results/{dataset}/{branch}/activations/{layer}/test.npy",
    output:
        "results/{dataset}/{branch}/embeddings/{layer}/{reducer}.npz",
    log:
        "results/logs/embed_layer/{dataset}/{branch}/{layer}/{reducer}.log",
    benchmark:
        "results/benchmarks/embed_layer/{dataset}/{branch}/{layer}/{reducer}.tsv"
    conda:
        "../envs/reduce.yaml"
    threads: get_threads("embed_layer")
    params:
        reducer_params=get_reducer_params,
        seed=get_seed,
    script:
        "../scripts/embed_layer.py"


rule score_knn:
    input:
        package("knn.py", "tables.py"),
        embedding="results/{dataset}/{branch}/embeddings/{layer}/{reducer}.npz",
    output:
        "results/{dataset}/{branch}/knn/{layer}/{reducer}.tsv",
    log:
        "results/logs/score_knn/{dataset}/{branch}/{layer}/{reducer}.log",
    conda:
        "../envs/reduce.yaml"
    threads: 1
    params:
        k=config["knn"]["k"],
        seed=get_seed,
        variant=get_variant,
    script:
        "../scripts/score_knn.py"


rule score_knn_highdim:
    input:
        package("knn.py", "tables.py"),
        unpack(get_labels),
        train="results/{dataset}/{branch}/activations/{layer}/train.npy",
        test="results/{dataset}/{branch}/activations/{layer}/test.npy",
    output:
        "results/{dataset}/{branch}/knn/{layer}/highdim.tsv",
    log:
        "results/logs/score_knn_highdim/{dataset}/{branch}/{layer}.log",
    benchmark:
        "results/benchmarks/score_knn_highdim/{dataset}/{branch}/{layer}.tsv"
    conda:
        "../envs/reduce.yaml"
    threads: get_threads("score_knn")
    params:
        k=config["knn"]["k"],
        seed=get_seed,
        variant=get_variant,
    script:
        "../scripts/score_knn_highdim.py"


rule aggregate_accuracy:
    input:
        package("tables.py"),
        tables=get_knn_tables,
    output:
        tidy="results/tables/knn_accuracy.tsv",
        summary="results/tables/knn_accuracy_summary.tsv",
        markdown="results/tables/knn_accuracy_pivot.md",
        latex="results/tables/knn_accuracy_pivot.tex",
        html=report(
            "results/tables/knn_accuracy.html",
            caption="../report/knn_table.rst",
            category="accuracy",
            labels={"table": "kNN accuracy"},
        ),
    log:
        "results/logs/aggregate_accuracy/aggregate_accuracy.log",
    conda:
        "../envs/reduce.yaml"
    params:
        datasets=DATASETS,
        variants=VARIANTS,
        layers=LAYERS,
        reducers=REDUCERS,
        preprocess=PREPROCESS,
    script:
        "../scripts/aggregate_accuracy.py"


rule score_quality:
    input:
        package("quality.py"),
        embedding="results/{dataset}/{branch}/embeddings/{layer}/{reducer}.npz",
        points=expand(
            "results/{{dataset}}/{{branch}}/activations/{{layer}}/{split}.npy",
            split=config["quality"]["points"],
        ),
    output:
        "results/{dataset}/{branch}/quality/{layer}/{reducer}.tsv",
    log:
        "results/logs/score_quality/{dataset}/{branch}/{layer}/{reducer}.log",
    benchmark:
        "results/benchmarks/score_quality/{dataset}/{branch}/{layer}/{reducer}.tsv"
    group:
        "quality"
    conda:
        "../envs/reduce.yaml"
    threads: get_threads("score_knn")
    params:
        quality=config["quality"],
        seed=get_seed,
        variant=get_variant,
    script:
        "../scripts/score_quality.py"


rule aggregate_quality:
    input:
        package("quality.py", "tables.py"),
        tables=get_quality_tables,
    output:
        tidy="results/tables/embedding_quality.tsv",
        summary="results/tables/embedding_quality_summary.tsv",
        html=report(
            "results/tables/embedding_quality.html",
            caption="../report/quality_table.rst",
            category="quality",
            labels={"table": "embedding quality"},
        ),
    log:
        "results/logs/aggregate_quality/aggregate_quality.log",
    conda:
        "../envs/reduce.yaml"
    params:
        datasets=DATASETS,
        variants=VARIANTS,
        layers=LAYERS,
        reducers=REDUCERS,
        preprocess=PREPROCESS,
    script:
        "../scripts/aggregate_quality.py"
