# hidden-embed: how a network's layers reorganise data. The table of contents of the workflow.
from snakemake.utils import min_version

min_version("9.0")


# The reference experiment is the workflow's config/config.yaml. Files named with --configfile
# replace it (keys they leave out take config/schema.yaml's defaults, the reference values);
# `--configfile config/config.yaml my.yaml` extends it instead. --config edits either.
if not workflow.overwrite_configfiles:

    configfile: f"{workflow.current_basedir}/config/config.yaml"


report: "report/workflow.rst"


include: "rules/common.smk"
include: "rules/data.smk"
include: "rules/model.smk"
include: "rules/embed.smk"
include: "rules/score.smk"
include: "rules/aggregate.smk"
include: "rules/figures.smk"
include: "rules/dynamics.smk"
include: "rules/journey.smk"
include: "rules/explorer.smk"
include: "rules/archive.smk"


rule all:
    default_target: True
    input:
        get_final_targets(),


rule dynamics:
    input:
        get_dynamics_targets(),


rule explorer:
    input:
        get_explorer_targets(),
