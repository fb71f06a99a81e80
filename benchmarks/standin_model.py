"""Build a stand-in model directory: the default model's architecture with untrained weights.

Until the embedded default model (src/voc_pipeline/resources/model/) is trained, the benchmarks
and the engine tests can run the *same code path* (``load_tagger(path)``) over a directory with
the same shape: the ``small`` preset encoder, a WordPiece vocabulary over Kiwi morphemes of real
NSMC text, int8 dynamic quantization on CPU like the default. Its predictions are meaningless; its
cost is the real one. Final benchmark figures must use the real default model.

    python benchmarks/standin_model.py --out /tmp/voc-standin-model [--preset small] [--texts 20000]
"""

from __future__ import annotations

import argparse
from pathlib import Path

NSMC = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "nsmc" / "nsmc_dev.parquet"


def build(out: str | Path, preset: str = "small", texts: int = 20000, seed: int = 13,
          corpus: str | Path = NSMC) -> Path:
    import pandas as pd
    import torch
    from kiwipiepy import Kiwi

    from voc_pipeline.models.modeling import PRESETS, VocTaggerConfig, VocTaggerModel
    from voc_pipeline.models.vocab import build_wordpiece

    out = Path(out)
    if (out / "config.json").is_file() and (out / "model.safetensors").is_file():
        return out
    torch.manual_seed(seed)
    frame = pd.read_parquet(corpus, columns=["text"]).dropna()
    sample = [t for t in frame["text"].head(texts).tolist() if t.strip()]
    kiwi = Kiwi()
    morphs = [[(t.form, t.tag) for t in toks] for toks in kiwi.tokenize(sample)]
    tok = build_wordpiece(morphs, vocab_size=16000, min_frequency=2)
    enc = dict(PRESETS[preset])
    enc["vocab_size"] = len(tok)
    enc["max_position_embeddings"] = max(enc.get("max_position_embeddings", 128), 98)
    cfg = VocTaggerConfig(encoder=enc, max_morphemes=64, max_subwords=96, model_id=f"standin-{preset}")
    cfg.quantize_int8 = True
    model = VocTaggerModel(cfg)
    model.eval()
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(out))
    tok.save_pretrained(str(out))
    (out / "README.md").write_text("Stand-in: untrained weights, default architecture. Benchmarks only.\n")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="/tmp/voc-standin-model")
    ap.add_argument("--preset", default="small")
    ap.add_argument("--texts", type=int, default=20000)
    args = ap.parse_args()
    print(build(args.out, args.preset, args.texts))


if __name__ == "__main__":
    main()
