"""The project's subword vocabulary: WordPiece trained on Kiwi morpheme forms (HF ``tokenizers``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def build_wordpiece(sentences: Iterable[Sequence[tuple[str, str]]], vocab_size: int = 16000,
                    min_frequency: int = 3):
    """A PreTrainedTokenizerFast whose 'words' are Kiwi morpheme forms (no normaliser: Kiwi's forms are kept)."""
    from tokenizers import Tokenizer, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.WordPiece(unk_token="[UNK]", max_input_chars_per_word=50))
    tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    trainer = trainers.WordPieceTrainer(vocab_size=vocab_size, min_frequency=min_frequency,
                                        special_tokens=SPECIALS, limit_alphabet=2500,
                                        continuing_subword_prefix="##", show_progress=False)

    def it():
        for s in sentences:
            yield " ".join(f for f, _ in s if f.strip())

    tok.train_from_iterator(it(), trainer=trainer)
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B [SEP]",
        special_tokens=[("[CLS]", tok.token_to_id("[CLS]")), ("[SEP]", tok.token_to_id("[SEP]"))],
    )
    return PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]",
                                   sep_token="[SEP]", mask_token="[MASK]", model_max_length=128)
