"""The tagger: any Hugging Face encoder + a sentence-sentiment head + a morpheme span head.

The project's own default is a small BERT built from scratch (config ``small``) over a WordPiece
vocabulary of Kiwi morpheme forms, with a Kiwi POS-tag embedding added to each subword. A user's
encoder (``train --base DIR``: KLUE-RoBERTa, KcELECTRA, ...) goes through the same class: only the
encoder and tokenizer differ. Morphemes are aligned to subwords with ``word_ids()`` and each
morpheme is read at its first subword.
"""

from __future__ import annotations

import contextlib

import torch
from torch import nn
from transformers import AutoConfig, AutoModel, PretrainedConfig, PreTrainedModel

from voc_pipeline.models.encoding import KIWI_TAGS, N_TAG_IDS, TAG2ID, encode, tag_id
from voc_pipeline.schema import SENTIMENT_LABELS, SPAN_LABELS

__all__ = ["KIWI_TAGS", "N_TAG_IDS", "PRESETS", "TAG2ID", "VocTaggerConfig", "VocTaggerModel", "encode", "tag_id"]

SMALL_ENCODER = {
    "model_type": "bert", "hidden_size": 256, "num_hidden_layers": 3, "num_attention_heads": 4,
    "intermediate_size": 768, "max_position_embeddings": 128, "type_vocab_size": 1,
    "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1,
}
TINY_ENCODER = {
    "model_type": "bert", "hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2,
    "intermediate_size": 64, "max_position_embeddings": 128, "type_vocab_size": 1,
}
#: the speed-first shape: ~3x the sentences/s of ``small`` in int8 ONNX Runtime (docs/model.md)
FAST_ENCODER = dict(SMALL_ENCODER, hidden_size=128, intermediate_size=512)
#: ``fast`` twice as deep: the shape a GPU-pretrained base can afford (about twice the encoder's CPU cost)
DEEP_ENCODER = dict(FAST_ENCODER, num_hidden_layers=6)
PRESETS = {"small": SMALL_ENCODER, "fast": FAST_ENCODER, "deep": DEEP_ENCODER, "tiny": TINY_ENCODER}


class VocTaggerConfig(PretrainedConfig):
    model_type = "voc_tagger"

    def __init__(self, encoder: dict | None = None, use_tags: bool = True, calibration_temperature: float = 1.0,
                 max_morphemes: int = 96, max_subwords: int = 128, model_id: str = "voc-small",
                 head_dropout: float = 0.1, **kwargs):
        super().__init__(**kwargs)
        self.encoder = dict(encoder or SMALL_ENCODER)
        self.use_tags = use_tags
        self.calibration_temperature = float(calibration_temperature)
        self.max_morphemes = int(max_morphemes)
        self.max_subwords = int(max_subwords)
        self.model_id = model_id
        self.head_dropout = head_dropout
        self.sentiment_labels = list(SENTIMENT_LABELS)
        self.span_labels = list(SPAN_LABELS)

    def encoder_config(self) -> PretrainedConfig:
        enc = dict(self.encoder)
        return AutoConfig.for_model(enc.pop("model_type"), **enc)


class VocTaggerModel(PreTrainedModel):
    config_class = VocTaggerConfig
    base_model_prefix = "voc"
    _supports_sdpa = True

    def __init__(self, config: VocTaggerConfig):
        super().__init__(config)
        enc_cfg = config.encoder_config()
        if getattr(enc_cfg, "_attn_implementation", None) is None:
            with contextlib.suppress(Exception):
                enc_cfg._attn_implementation = "sdpa"
        self.encoder = AutoModel.from_config(enc_cfg, add_pooling_layer=False) if enc_cfg.model_type == "bert" \
            else AutoModel.from_config(enc_cfg)
        h = enc_cfg.hidden_size
        self.tag_embeddings = nn.Embedding(N_TAG_IDS, h, padding_idx=0) if config.use_tags else None
        self.dropout = nn.Dropout(config.head_dropout)
        self.pool = nn.Linear(2 * h, h)
        self.sentiment = nn.Linear(h, len(SENTIMENT_LABELS))
        self.rating = nn.Linear(h, 1)
        self.span = nn.Linear(h, len(SPAN_LABELS))
        self.post_init()

    def _init_weights(self, module):
        if isinstance(module, nn.Linear):
            module.weight.data.normal_(0.0, 0.02)
            if module.bias is not None:
                module.bias.data.zero_()
        elif isinstance(module, nn.Embedding):
            module.weight.data.normal_(0.0, 0.02)
            if module.padding_idx is not None:
                module.weight.data[module.padding_idx].zero_()
        elif isinstance(module, nn.LayerNorm):
            module.weight.data.fill_(1.0)
            module.bias.data.zero_()

    def forward(self, input_ids, attention_mask, tag_ids=None, word_index=None, **_):
        """Returns sentiment logits (B, 3), rating prediction (B,), span logits (B, W, 7) at word_index.

        word_index: (B, W) index of each morpheme's first subword (0 where absent: masked later).
        """
        if self.tag_embeddings is not None and tag_ids is not None:
            emb = self.encoder.get_input_embeddings()(input_ids) + self.tag_embeddings(tag_ids)
            hidden = self.encoder(inputs_embeds=emb, attention_mask=attention_mask).last_hidden_state
        else:
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        m = attention_mask.unsqueeze(-1).to(hidden.dtype)
        mean = (hidden * m).sum(1) / m.sum(1).clamp(min=1.0)
        pooled = torch.tanh(self.pool(self.dropout(torch.cat([hidden[:, 0], mean], dim=-1))))
        pooled = self.dropout(pooled)
        out = {"sentiment": self.sentiment(pooled), "rating": self.rating(pooled).squeeze(-1)}
        if word_index is not None:
            idx = word_index.clamp(min=0).unsqueeze(-1).expand(-1, -1, hidden.size(-1))
            words = torch.gather(hidden, 1, idx)
            out["span"] = self.span(self.dropout(words))
        return out


#: the checkpoint ``train`` and ``pretrain`` rewrite (via a .tmp file) in their ``checkpoints/`` folder
CHECKPOINT_FILE = "last.pt"


def last_checkpoint(ckdir, resume: bool) -> dict | None:
    """The state an interrupted ``train`` / ``pretrain`` run left in ``ckdir`` (CHECKPOINT_FILE), when resuming."""
    ck = ckdir / CHECKPOINT_FILE
    return torch.load(ck, weights_only=False, map_location="cpu") if (resume and ck.is_file()) else None


def write_checkpoint(ckdir, state: dict) -> None:
    """Replace CHECKPOINT_FILE in ``ckdir`` with ``state`` atomically (a .tmp file, then a rename): a run
    killed while saving keeps its previous checkpoint."""
    import os

    tmp = ckdir / (CHECKPOINT_FILE + ".tmp")
    torch.save(state, tmp)
    os.replace(tmp, ckdir / CHECKPOINT_FILE)


def model_from_checkpoint(ckdir, state: dict, log) -> tuple:
    """(tokenizer, model) of an interrupted ``train`` / ``pretrain`` run, from its ``last.pt`` state
    and the tokenizer saved beside it in ``ckdir``: what both commands resume from."""
    from transformers import PreTrainedTokenizerFast

    tok = PreTrainedTokenizerFast.from_pretrained(str(ckdir / "tokenizer"))
    model = VocTaggerModel(VocTaggerConfig.from_dict(state["config"]))
    model.load_state_dict(state["model"])
    log(f"resuming from step {state['step']}")
    return tok, model
