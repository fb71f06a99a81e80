"""CPU throughput of the embedded tagger vs a KoELECTRA-small-shaped reference encoder.

    .venv/bin/python benchmarks/model_throughput.py [--model DIR] [--threads 2] [--n 4000] [--json]

Reference: a 12-layer, 256-hidden, 4-head, FFN-1024 BERT-shaped encoder with random weights, fp32
PyTorch, batch 64, sequence length 32 (the issue's yardstick, ≈240 texts/s on 2 cores). The tagger is
timed on real NSMC reviews (Kiwi morphemes precomputed; 'with kiwi' adds Kiwi's own time), length-sorted
batches of 64, including the subword encoding and the span/sentiment post-processing.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path


def reference_texts_per_s(threads: int, layers: int = 12, hidden: int = 256, seq: int = 32, bs: int = 64,
                          reps: int = 6) -> float:
    import torch
    from transformers import BertConfig, BertModel

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    cfg = BertConfig(vocab_size=32000, hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=4,
                     intermediate_size=hidden * 4, max_position_embeddings=512)
    m = BertModel(cfg, add_pooling_layer=False).eval()
    x = torch.randint(5, 32000, (bs, seq))
    a = torch.ones_like(x)
    with torch.inference_mode():
        for _ in range(2):
            m(input_ids=x, attention_mask=a)
        t0 = time.perf_counter()
        for _ in range(reps):
            m(input_ids=x, attention_mask=a)
    return bs * reps / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=None)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--n", type=int, default=4000)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    import pandas as pd
    import torch

    from voc_pipeline.models.corpus import shared_data_dir
    from voc_pipeline.models.tagger import load_tagger
    from voc_pipeline.stages.tokenize import KiwiTokenizer

    torch.set_num_threads(args.threads)
    f = shared_data_dir() / "nsmc" / "nsmc_dev.parquet"
    texts = pd.read_parquet(f, columns=["text"])["text"].dropna()
    texts = texts[texts.str.len() > 0].sample(args.n, random_state=0).tolist()
    kt = KiwiTokenizer(num_workers=args.threads)
    t0 = time.perf_counter()
    morphs = kt.morphemes(texts)
    t_kiwi = time.perf_counter() - t0
    res = {"threads": args.threads, "n": len(texts), "kiwi_texts_per_s": round(len(texts) / t_kiwi, 1)}
    variants = {"int8": {"backend": "auto"}, "torch_int8": {"backend": "torch"},
                "fp32": {"backend": "torch", "quantize": False}}
    for key, kwargs in variants.items():
        tagger = load_tagger(args.model, batch_size=64, threads=args.threads, **kwargs)
        res[f"tagger_{key}_backend"] = tagger.backend_name
        tagger.predict(morphs[:256])
        best = 0.0
        for _ in range(3):
            t0 = time.perf_counter()
            tagger.predict(morphs)
            best = max(best, len(texts) / (time.perf_counter() - t0))
        res[f"tagger_{key}_texts_per_s"] = round(best, 1)
        res[f"tagger_{key}_with_kiwi_texts_per_s"] = round(len(texts) / (len(texts) / best + t_kiwi), 1)
    res["reference_12L256H_fp32_texts_per_s"] = round(reference_texts_per_s(args.threads), 1)
    res["reference_4L256H_fp32_texts_per_s"] = round(reference_texts_per_s(args.threads, layers=4), 1)
    res["speedup_vs_12L256H"] = round(res["tagger_int8_texts_per_s"] / res["reference_12L256H_fp32_texts_per_s"], 2)
    res["model"] = str(Path(tagger.path).name)
    if not args.json:
        for k, v in res.items():
            print(f"{k:40s} {v}")
    print(json.dumps(res))


if __name__ == "__main__":
    main()
