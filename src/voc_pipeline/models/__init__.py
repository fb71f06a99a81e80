"""The Korean VOC model: a transformer over Kiwi morphemes with a sentence-sentiment head and a
BIO span head (aspect / pain / praise). See docs/model.md.

    from voc_pipeline.models import load_tagger, Tagger, TaggerOutput
    tagger = load_tagger()                 # the embedded default (resources/model/)
    out = tagger.predict([[("배송", "NNG"), ("이", "JKS"), ("늦", "VA"), ("어요", "EF")]])

Imports are lazy so that ``import voc_pipeline.models`` does not pull in torch.
"""

from __future__ import annotations

__all__ = ["Tagger", "TaggerOutput", "default_model_dir", "evaluate_file", "load_tagger", "train_model"]


def __getattr__(name: str):
    if name in {"Tagger", "TaggerOutput", "load_tagger", "default_model_dir"}:
        from voc_pipeline.models import tagger

        return getattr(tagger, name)
    if name == "evaluate_file":
        from voc_pipeline.models.evaluate import evaluate_file

        return evaluate_file
    if name == "train_model":
        from voc_pipeline.models.train import train

        return train
    raise AttributeError(name)
