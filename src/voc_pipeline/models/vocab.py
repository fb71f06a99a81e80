"""The project's subword vocabulary: WordPiece trained on Kiwi morpheme forms (HF ``tokenizers``).

HF's WordPiece trainer is not deterministic on its own: it numbers the continuing-subword tokens
(``##x``) as it meets them in hash-map order, and those numbers break ties between merges of equal
count (huggingface/tokenizers#1794). Trained on the same 60k NSMC reviews in three processes, its
16,000-token vocabularies differed in 26-50 tokens and in the ids of ~6,900, so two ``train`` runs
with the same seed gave different models. ``build_wordpiece`` hands the trainer its alphabet and
every ``##x`` it would make up front (as special tokens, in character order: the layout the trainer
gives them itself), so no id is left to hash order; the vocabulary is then rebuilt as a plain
WordPiece model over the trained token -> id map. The result is within ~90 of 16,000 tokens of
what the trainer gave before (two of its own runs: 26).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
PREFIX = "##"
LIMIT_ALPHABET = 2500


def build_wordpiece(sentences: Iterable[Sequence[tuple[str, str]]], vocab_size: int = 16000,
                    min_frequency: int = 3):
    """A PreTrainedTokenizerFast whose 'words' are Kiwi morpheme forms (no normaliser: Kiwi's forms
    are kept); the same sentences give the same vocabulary and ids in every process."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    words = Counter(w for s in sentences for f, _ in s if f.strip() for w in f.split())
    alphabet = fixed_alphabet(words)
    words = within_alphabet(words, alphabet)
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]", max_input_chars_per_word=50))
    tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    trainer = trainers.WordPieceTrainer(vocab_size=vocab_size, min_frequency=min_frequency,
                                        special_tokens=[*SPECIALS, *alphabet], limit_alphabet=LIMIT_ALPHABET,
                                        continuing_subword_prefix=PREFIX, show_progress=False)
    # the trainer counts whitespace-separated words: each distinct word as often as it occurs, in a fixed order
    tok.train_from_iterator(((w + " ") * n for w, n in sorted(words.items())), trainer=trainer)
    return tokenizer_from_vocab(tok.get_vocab())


def fixed_alphabet(words: Counter) -> list[str]:
    """The trainer's alphabet (the LIMIT_ALPHABET most frequent characters; ties by character), then
    the ``##c`` tokens it would make (each character of the alphabet that some word has after its
    first character), both in character order: the id layout the trainer gives them itself, less
    the hash order."""
    chars: Counter = Counter()
    for w, n in words.items():
        for c in w:
            chars[c] += n
    alphabet = set(sorted(chars, key=lambda c: (-chars[c], c))[:LIMIT_ALPHABET])
    return sorted(alphabet) + [PREFIX + c for c in sorted({c for w in words for c in w[1:]} & alphabet)]


def within_alphabet(words: Counter, alphabet: Sequence[str]) -> Counter:
    """The words with every character outside ``alphabet`` dropped (a word left empty is dropped).

    The trainer cuts its own alphabet to LIMIT_ALPHABET characters by count and breaks ties at the
    cut in hash-map order: on the full train split (3,408 distinct characters, 324 of them tied at
    count 2 around the cut) each process kept a different ~55 rare characters besides the fixed
    alphabet, as tokens and inside the words it merges, so the vocabulary still differed between
    processes. With only the fixed alphabet's characters left the trainer has nothing to cut. (The
    trainer skips a character outside its alphabet the same way; only a word's first character,
    when dropped, makes the next one word-initial.)"""
    keep = {a for a in alphabet if not a.startswith(PREFIX)}
    out: Counter = Counter()
    for w, n in words.items():
        if kept := "".join(c for c in w if c in keep):
            out[kept] += n
    return out


def tokenizer_from_vocab(vocab: dict[str, int]):
    """The project's tokenizer over a fixed WordPiece token -> id map."""
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]", max_input_chars_per_word=50,
                                     continuing_subword_prefix=PREFIX))
    tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B [SEP]",
        special_tokens=[("[CLS]", tok.token_to_id("[CLS]")), ("[SEP]", tok.token_to_id("[SEP]"))],
    )
    return PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]",
                                   sep_token="[SEP]", mask_token="[MASK]", model_max_length=128)
