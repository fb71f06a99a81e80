from voc_pipeline.cli import app

app(prog_name="voc-pipeline")
