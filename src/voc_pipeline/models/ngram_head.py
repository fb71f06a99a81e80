"""A hashed subword n-gram linear sentence head, fused with the transformer's sentiment logits.

A fastText / NB-LR style lexical model that reads the arrays ``encode()`` already produced for the
transformer (``input_ids``, ``attention_mask``), so it costs a few vectorised numpy operations per
batch: no second tokenization, no per-sentence Python.

* features: the set (binary) of hashed subword unigrams, bigrams and trigrams of each sentence inside
  the model's window, ``[CLS]``/``[SEP]`` included (so "ends with 어요" is a feature), plus the
  subword's Kiwi POS tag paired with the next subword's (``tag_ids``) when the model uses tags;
  L2-normalised per sentence. Padding never contributes (an n-gram counts only when all its
  positions are inside ``attention_mask``), so a sentence's features do not depend on its batch.
* weights ``W[buckets, 3]`` + bias: a class-balanced logistic regression on the transformer's
  training split (``fit_head``), stored float16 in ``ngram_head.npz``.
* optionally a second **commerce** head over the same features, fitted on the synthetic commerce
  frames of the training split only; its weights are stored as 3 more columns of ``W``.
* fusion: ``softmax(A @ [model log-probabilities, head logits] + c)`` (the model's temperature-scaled
  log-softmax), a 3×(3 + 3·heads) multinomial logistic regression fitted by NLL on the class-balanced
  **calib** split (groups never trained on), plus, when given, the rows of a labelled commerce
  development set (data/dev/commerce_dev.jsonl) at a chosen share of the weight. It replaces the
  single calibration temperature when the head is present.

Loading a directory without ``ngram_head.npz`` gives ``None``: the tagger then uses the temperature.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

HEAD_FILE = "ngram_head.npz"
GENERAL = "general"             # the fusion fitted on the training corpora's calib split (fuse_A, fuse_c)
FUSIONS = (GENERAL, "voc")      # the names config ``model.sentiment_fusion`` may ask for
_MULT = np.uint64(0x9E3779B97F4A7C15)          # Fibonacci hashing
_SALTS = {"uni": 0x1F3D5B79, "bi": 0x2C1B3A49, "tri": 0x6A09E667, "tag": 0x3C6EF372}


def _hash(key: np.ndarray, salt: int, bits: int) -> np.ndarray:
    with np.errstate(over="ignore"):
        h = (key.astype(np.uint64) + np.uint64(salt)) * _MULT
        h ^= h >> np.uint64(29)
        h *= _MULT
    return (h >> np.uint64(64 - bits)).astype(np.int64)


def features(enc: dict[str, np.ndarray], bits: int = 18, orders=("uni", "bi", "tri", "tag")) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(rows, cols, values) of the sparse, binary, L2-normalised feature matrix of one encoded batch."""
    ids = enc["input_ids"].astype(np.int64)
    ok = enc["attention_mask"].astype(bool)
    b, t = ids.shape
    r_all, c_all = [], []
    rows = np.broadcast_to(np.arange(b)[:, None], (b, t))
    for n, name in ((1, "uni"), (2, "bi"), (3, "tri")):
        if name not in orders or t < n:
            continue
        key = ids[:, : t - n + 1].copy()
        valid = ok[:, : t - n + 1].copy()
        for k in range(1, n):
            key = key * np.int64(1 << 20) + ids[:, k: t - n + 1 + k]
            valid &= ok[:, k: t - n + 1 + k]
        r_all.append(rows[:, : t - n + 1][valid])
        c_all.append(_hash(key[valid], _SALTS[name], bits))
    if "tag" in orders and "tag_ids" in enc and t >= 2:
        tags = enc["tag_ids"].astype(np.int64)
        key = (tags[:, :-1] * np.int64(1 << 20) + ids[:, 1:]) * np.int64(128) + tags[:, 1:]
        valid = ok[:, :-1] & ok[:, 1:]
        r_all.append(rows[:, :-1][valid])
        c_all.append(_hash(key[valid], _SALTS["tag"], bits))
    r = np.concatenate(r_all) if r_all else np.zeros(0, np.int64)
    c = np.concatenate(c_all) if c_all else np.zeros(0, np.int64)
    keys = r * np.int64(1 << bits) + c
    keys.sort()                                            # by sentence, then bucket
    if len(keys):                                          # binary: each feature once per sentence
        keys = keys[np.concatenate([[True], keys[1:] != keys[:-1]])]
    r, c = keys >> np.int64(bits), keys & np.int64((1 << bits) - 1)
    norm = np.sqrt(np.bincount(r, minlength=b).astype(np.float64))
    v = 1.0 / norm[r]
    return r, c, v


class NgramHead:
    """Weights of the head and of the fusions; ``probs(model_probs, enc, fusion)`` is all inference needs.

    ``fuse_A``/``fuse_c`` are the ``general`` fusion (fitted on the calib split of the training corpora,
    movie reviews and comments, plus a share of commerce dev rows). ``fusions`` holds more named fusions
    of the same inputs, e.g. ``voc``: fitted mostly on hand-written VOC dev records, the calibration
    ``run`` uses (docs/model.md, "A VOC fusion beside the general one"). A name the head does not have
    falls back to ``general`` (``fusion_for``).
    """

    def __init__(self, W: np.ndarray, b: np.ndarray, fuse_A: np.ndarray, fuse_c: np.ndarray, bits: int,
                 orders: tuple[str, ...], fusions: dict[str, tuple[np.ndarray, np.ndarray]] | None = None) -> None:
        self.W = np.asarray(W, dtype=np.float32)          # (2**bits, 3 per head): general[, commerce]
        self.b = np.asarray(b, dtype=np.float32)          # (3 per head,)
        self.fuse_A = np.asarray(fuse_A, dtype=np.float64)  # (3, 3 + W columns): [model, heads] -> logits
        self.fuse_c = np.asarray(fuse_c, dtype=np.float64)  # (3,)
        self.bits = int(bits)
        self.orders = tuple(orders)
        self.fusions = {str(k): (np.asarray(A, dtype=np.float64), np.asarray(c, dtype=np.float64))
                        for k, (A, c) in (fusions or {}).items()}
        for name, (A, c) in self.fusions.items():
            if name == GENERAL or A.shape != self.fuse_A.shape or c.shape != self.fuse_c.shape:
                raise ValueError(f"fusion {name!r}: shape {A.shape}/{c.shape}, expected {self.fuse_A.shape}/{self.fuse_c.shape}")

    def fusion_for(self, name: str) -> str:
        """The fusion ``name`` resolves to: itself when the head has it, else ``general``."""
        return name if name in self.fusions else GENERAL

    def logits(self, enc: dict[str, np.ndarray]) -> np.ndarray:
        r, c, _ = features(enc, self.bits, self.orders)
        n = enc["input_ids"].shape[0]
        counts = np.bincount(r, minlength=n)
        has = counts > 0
        out = np.zeros((n, self.W.shape[1]), dtype=np.float64)
        if has.any():   # r is sorted: one segment per sentence; the L2 norm is 1/sqrt(count) for every feature
            starts = np.concatenate([[0], np.cumsum(counts)[:-1]])[has]
            out[has] = np.add.reduceat(self.W[c], starts, axis=0) / np.sqrt(counts[has])[:, None]
        return out + self.b

    def fuse(self, model_logprobs: np.ndarray, head_logits: np.ndarray, fusion: str = GENERAL) -> np.ndarray:
        A, c = self.fusions.get(fusion, (self.fuse_A, self.fuse_c))
        x = np.concatenate([np.asarray(model_logprobs, np.float64), head_logits], axis=1)
        # column by column, not ``x @ A.T``: BLAS takes another path for one row (gemv) than for many
        # (gemm) and the last bit moved with the batch size; these sums are the same for any batch
        z = np.repeat(c[None, :], len(x), axis=0)
        for j in range(x.shape[1]):
            z += x[:, j:j + 1] * A[:, j]
        z = np.exp(z - z.max(axis=1, keepdims=True))
        return z / z.sum(axis=1, keepdims=True)

    def probs(self, model_probs: np.ndarray, enc: dict[str, np.ndarray], fusion: str = GENERAL) -> np.ndarray:
        """Fused probabilities from the model's temperature-calibrated probabilities and the batch."""
        return self.fuse(np.log(np.clip(model_probs, 1e-12, None)), self.logits(enc), fusion)

    def save(self, model_dir: str | Path) -> Path:
        path = Path(model_dir) / HEAD_FILE
        named = {}
        for name, (A, c) in self.fusions.items():
            named[f"fuse_A__{name}"], named[f"fuse_c__{name}"] = A, c
        np.savez_compressed(path, W=self.W.astype(np.float16), b=self.b, fuse_A=self.fuse_A, fuse_c=self.fuse_c,
                            bits=np.int64(self.bits), orders=np.asarray(self.orders),
                            fusion_names=np.asarray(sorted(self.fusions), dtype=str), **named)
        return path

    @classmethod
    def load(cls, model_dir: str | Path) -> NgramHead | None:
        path = Path(model_dir) / HEAD_FILE
        if not path.is_file():
            return None
        z = np.load(path, allow_pickle=False)
        names = [str(n) for n in z["fusion_names"]] if "fusion_names" in z.files else []
        return cls(z["W"], z["b"], z["fuse_A"], z["fuse_c"], int(z["bits"]), tuple(str(o) for o in z["orders"]),
                   {n: (z[f"fuse_A__{n}"], z[f"fuse_c__{n}"]) for n in names})


# ----------------------------------------------------------------------------- fitting (train time)


def model_log_probs(tagger, morphs) -> np.ndarray:
    """(n, 3) the transformer's own temperature-scaled log-probabilities, the head set aside for the call:
    the first input of every fusion."""
    head, tagger.ngram_head = tagger.ngram_head, None
    try:
        return np.log(np.clip(tagger.predict(morphs).sentiment, 1e-12, None))
    finally:
        tagger.ngram_head = head


def encode_all(tokenizer, morphs, max_morphemes: int, max_subwords: int, use_tags: bool, bits: int = 18,
               orders=("uni", "bi", "tri", "tag"), batch_size: int = 512):
    """Feature matrix (csr, rows in input order) of many morpheme sentences, encoded as at inference."""
    from scipy.sparse import csr_matrix

    from voc_pipeline.models.encoding import encode

    rs, cs, vs = [], [], []
    for i in range(0, len(morphs), batch_size):
        enc = encode(tokenizer, morphs[i:i + batch_size], max_morphemes, max_subwords, use_tags)
        r, c, v = features(enc, bits, orders)
        rs.append(r + i)
        cs.append(c)
        vs.append(v)
    r = np.concatenate(rs) if rs else np.zeros(0, np.int64)
    return csr_matrix((np.concatenate(vs).astype(np.float32) if vs else np.zeros(0, np.float32),
                       (r, np.concatenate(cs) if cs else r)), shape=(len(morphs), 1 << bits))


def fit_head(X, y: np.ndarray, C: float = 4.0, sample_weight: np.ndarray | None = None, max_iter: int = 300,
             seed: int = 13):
    """(W, b): class-balanced multinomial logistic regression on the head's features."""
    from sklearn.linear_model import LogisticRegression

    y = np.asarray(y)
    counts = np.bincount(y, minlength=3).astype(np.float64)
    cw = counts.sum() / (3 * np.maximum(counts, 1))
    w = cw[y] if sample_weight is None else cw[y] * sample_weight
    clf = LogisticRegression(C=C, max_iter=max_iter, tol=1e-4, random_state=seed)
    clf.fit(X, y, sample_weight=w)
    W = np.zeros((X.shape[1], 3), dtype=np.float32)
    b = np.zeros(3, dtype=np.float32)
    coef = clf.coef_
    if coef.shape[0] == 1:       # binary data: the two-class form, as 3-class logits
        coef = np.vstack([-coef[0] / 2, coef[0] / 2])
        icpt = np.array([-clf.intercept_[0] / 2, clf.intercept_[0] / 2])
    else:
        icpt = clf.intercept_
    for j, k in enumerate(clf.classes_):
        W[:, k] = coef[j]
        b[k] = icpt[j]
    missing = [k for k in range(3) if k not in set(clf.classes_.tolist())]
    b[missing] = -30.0
    return W, b


def balanced_weights(y: np.ndarray, group: np.ndarray | None = None, shares: dict | None = None,
                     natural: tuple[str, ...] = ()) -> np.ndarray:
    """Row weights summing to 1: class-balanced within each group, each group weighing its share.

    Without groups: plain class balance (the calib fit). With ``group`` (e.g. "calib"/"dev") and
    ``shares`` ({"dev": 0.25, ...}, the rest to the other groups equally), a small commerce set can
    weigh a chosen fraction of the fit however few rows it has. Groups named in ``natural`` keep
    their own label mix (rows weigh the same), so the fit also learns that group's class priors.
    """
    y = np.asarray(y)
    group = np.zeros(len(y), dtype=object) if group is None else np.asarray(group, dtype=object)
    names = list(dict.fromkeys(group.tolist()))
    shares = dict(shares or {})
    rest = [g for g in names if g not in shares]
    left = max(0.0, 1.0 - sum(shares.get(g, 0.0) for g in names))
    w = np.zeros(len(y))
    for g in names:
        m = group == g
        counts = np.bincount(y[m], minlength=3).astype(np.float64)
        wg = np.ones(int(m.sum())) if g in natural else (1.0 / np.maximum(counts, 1))[y[m]]
        share = shares[g] if g in shares else left / len(rest)
        w[m] = share * wg / wg.sum()
    return w / w.sum()


def fit_fusion(model_logprobs: np.ndarray, head_logits: np.ndarray, y: np.ndarray, l2: float = 1e-3,
               sample_weight: np.ndarray | None = None):
    """(A, c): softmax(A @ [model, heads] + c) fitted by weighted NLL (+ a small L2 on A).

    ``head_logits``: 3 columns per head (the general head first). Weights: class-balanced by
    default, or ``sample_weight`` (see ``balanced_weights``).
    """
    from scipy.optimize import minimize

    x = np.concatenate([model_logprobs, head_logits], axis=1).astype(np.float64)
    y = np.asarray(y)
    d = x.shape[1]
    w = balanced_weights(y) if sample_weight is None else np.asarray(sample_weight, np.float64)
    w = w / w.sum()
    onehot = np.eye(3)[y]
    # start from "average of the model and the general head, each at temperature 1", other heads off
    a0 = np.concatenate([np.eye(3) * 0.5, np.eye(3) * 0.5, np.zeros((3, d - 6))], axis=1)

    def f(theta):
        A = theta[: 3 * d].reshape(3, d)
        c = theta[3 * d:]
        z = x @ A.T + c
        z = z - z.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        loss = -(w * (onehot * logp).sum(1)).sum() + l2 * (A ** 2).sum()
        g = (np.exp(logp) - onehot) * w[:, None]
        gA = g.T @ x + 2 * l2 * A
        gc = g.sum(0)
        return loss, np.concatenate([gA.ravel(), gc])

    res = minimize(f, np.concatenate([a0.ravel(), np.zeros(3)]), jac=True, method="L-BFGS-B",
                   options={"maxiter": 500})
    return res.x[: 3 * d].reshape(3, d), res.x[3 * d:]


def fit_for_model(model_dir: str | Path, train, calib, bits: int = 18, orders=("uni", "bi", "tri", "tag"),
                  C: float = 4.0, seed: int = 13, per_class: int = 4000, synthetic_weight: float = 1.0,
                  commerce_head: bool = False, commerce_c: float = 4.0, fusion_dev: str | Path | None = None,
                  dev_share: float = 0.5, commerce_dev_weight: float = 0.0, folds: int = 5,
                  general_head: tuple[np.ndarray, np.ndarray] | None = None, log=print) -> dict:
    """Fit the head of a saved model directory and write ``ngram_head.npz`` there.

    ``train``/``calib``: frames with ``morphs`` and ``label_id`` (-100 = unlabelled), the splits
    ``train.prepare`` gave the transformer. W is fitted on the labelled train rows, encoded with the
    directory's own tokenizer; the fusion on a class-balanced sample (``per_class``) of calib, with the
    model's probabilities from the directory's own inference path (ONNX int8 on CPU when present).

    ``commerce_head``: a second head with the same features fitted on the synthetic commerce rows of
    train only (``source == "synthetic"``), whose 3 logits the fusion also reads: in the general
    head those rows are ~10 % of the data and movie n-grams dominate. ``fusion_dev``: a labelled
    jsonl (``text``, ``label``; data/dev/commerce_dev.jsonl, never data/eval) whose rows join the
    fusion fit, class-balanced, weighing ``dev_share`` of it (calib the rest), so shop text informs
    the neutral class and the calibration. ``commerce_dev_weight`` > 0 (variant (c′), docs/model.md
    §5; needs both): the commerce head also learns from the ``fusion_dev`` rows, each weighing that
    many synthetic rows; the dev logits the fusion reads are then cross-fitted over ``folds`` folds,
    so it never reads a logit of a row the head was fitted on (in-sample logits are overconfident
    and would buy that head too much weight). ``general_head``: (W, b) of a general head already
    fitted with these settings on this train split (e.g. the shipped one), reused instead of refitted
    (the costly part; only the commerce head and the fusion are new). Returns a small report (sizes, seconds, NLL before/after).
    """
    import time

    from voc_pipeline.models.tagger import load_tagger

    model_dir = Path(model_dir)
    (model_dir / HEAD_FILE).unlink(missing_ok=True)        # the model's own probabilities, without a head
    tagger = load_tagger(str(model_dir))
    cfg = tagger.config
    t0 = time.time()
    lab = train[train["label_id"] >= 0]
    X = encode_all(tagger.tokenizer, lab["morphs"].tolist(), cfg.max_morphemes, cfg.max_subwords, cfg.use_tags,
                   bits, orders)
    y_train = lab["label_id"].to_numpy()
    synthetic = (lab["source"].to_numpy() == "synthetic") if "source" in lab.columns else np.zeros(len(lab), bool)
    sw = None
    if synthetic_weight != 1.0:
        sw = np.where(synthetic, synthetic_weight, 1.0)
    if general_head is not None:
        W, b = (np.asarray(a, dtype=np.float32) for a in general_head)
        log(f"n-gram head: reused ({X.shape[0]} rows)")
    else:
        W, b = fit_head(X, y_train, C=C, sample_weight=sw, seed=seed)
        log(f"n-gram head: {X.shape[0]} rows, {X.nnz} features set, fitted in {time.time() - t0:.0f}s")
    heads = ["general"]
    cal = _balanced_sample(calib[calib["label_id"] >= 0], seed, per_class)
    groups = {"calib": (cal["morphs"].tolist(), cal["label_id"].to_numpy())}
    if fusion_dev is not None:
        groups["dev"] = _dev_rows(fusion_dev)
    encoded = {name: encode_all(tagger.tokenizer, morphs, cfg.max_morphemes, cfg.max_subwords, cfg.use_tags, bits,
                                orders) for name, (morphs, _) in groups.items()}
    dev_commerce_logits = None
    if commerce_head and synthetic.sum() >= 20 and len(np.unique(y_train[synthetic])) >= 2:
        X_syn, y_syn = X[np.where(synthetic)[0]], y_train[synthetic]
        if commerce_dev_weight > 0 and "dev" in groups:
            dev_xy = (encoded["dev"], groups["dev"][1])
            Wc, bc = _fit_commerce_head(X_syn, y_syn, dev_xy, None, commerce_dev_weight, commerce_c, seed)
            dev_commerce_logits = _cross_fitted_dev_logits(X_syn, y_syn, dev_xy, commerce_dev_weight, commerce_c,
                                                           seed, folds)
            log(f"commerce n-gram head: {int(synthetic.sum())} synthetic rows + {len(dev_xy[1])} dev rows "
                f"(weight {commerce_dev_weight}; dev logits cross-fitted over {folds} folds)")
        else:
            Wc, bc = fit_head(X_syn, y_syn, C=commerce_c, seed=seed)
            log(f"commerce n-gram head: {int(synthetic.sum())} synthetic rows")
        W, b = np.hstack([W, Wc]), np.concatenate([b, bc])
        heads.append("commerce")
    elif commerce_head:
        log("commerce n-gram head skipped: too few synthetic rows in train")
    head = NgramHead(W, b, np.zeros((3, 3 + W.shape[1])), np.zeros(3), bits, orders)
    head.W = head.W.astype(np.float16).astype(np.float32)      # fit the fusion on the weights as stored
    lp, hl, ys, grp = [], [], [], []
    for name, (morphs, y) in groups.items():
        lp.append(np.log(np.clip(tagger.predict(morphs).sentiment, 1e-12, None)))
        logits = np.asarray(encoded[name] @ head.W, dtype=np.float64) + head.b
        if name == "dev" and dev_commerce_logits is not None:
            logits[:, 3:6] = dev_commerce_logits
        hl.append(logits)
        ys.append(y)
        grp += [name] * len(y)
    model_lp, head_l, y, grp = np.concatenate(lp), np.concatenate(hl), np.concatenate(ys), np.asarray(grp)
    A, c = fit_fusion(model_lp, head_l, y, sample_weight=balanced_weights(y, grp, {"dev": dev_share}))
    head.fuse_A, head.fuse_c = A, c
    head.save(model_dir)
    fused = head.fuse(model_lp, head_l)
    rows = np.arange(len(y))
    rep = {"bits": bits, "orders": list(orders), "C": C, "synthetic_weight": synthetic_weight, "heads": heads,
           "train_rows": int(X.shape[0]), "calib_rows": int((grp == "calib").sum()),
           "commerce_rows": int(synthetic.sum()) if "commerce" in heads else 0,
           "fusion_dev": str(fusion_dev) if fusion_dev is not None else None,
           "dev_rows": int((grp == "dev").sum()), "dev_share": dev_share if fusion_dev is not None else 0.0,
           "commerce_dev_weight": commerce_dev_weight if dev_commerce_logits is not None else 0.0,
           "fusion_A": np.round(A, 4).tolist(), "fusion_c": np.round(c, 4).tolist(),
           "seconds": round(time.time() - t0, 1), "bytes": (model_dir / HEAD_FILE).stat().st_size}
    for name in groups:      # in-sample NLL of the fit's own rows, model alone vs fused
        m = grp == name
        rep[f"{name}_nll_model"] = round(float(-_lp_at(model_lp[m], y[m]).mean()), 4)
        rep[f"{name}_nll_fused"] = round(float(-np.log(np.clip(fused[rows[m], y[m]], 1e-12, None)).mean()), 4)
        log(f"n-gram head fusion, {name} ({int(m.sum())} rows): NLL {rep[f'{name}_nll_model']:.4f} -> "
            f"{rep[f'{name}_nll_fused']:.4f}")
    return rep


def _fit_commerce_head(X_syn, y_syn: np.ndarray, dev_xy, dev_rows: np.ndarray | None, dev_weight: float,
                       C: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The commerce head on the synthetic rows plus the chosen dev rows (all when ``dev_rows`` is None),
    each dev row weighing ``dev_weight``; W rounded through float16 as it is stored."""
    from scipy.sparse import vstack

    X_dev, y_dev = dev_xy
    idx = np.arange(len(y_dev)) if dev_rows is None else np.where(dev_rows)[0]
    Xs = vstack([X_syn, X_dev[idx]]).tocsr()
    ys = np.concatenate([y_syn, y_dev[idx]])
    sw = np.concatenate([np.ones(len(y_syn)), np.full(len(idx), dev_weight)])
    W, b = fit_head(Xs, ys, C=C, sample_weight=sw, seed=seed)
    return W.astype(np.float16).astype(np.float32), b


def _cross_fitted_dev_logits(X_syn, y_syn: np.ndarray, dev_xy, dev_weight: float, C: float, seed: int,
                             folds: int) -> np.ndarray:
    """(n_dev, 3) commerce-head logits of each dev row from a head fitted without that row's fold."""
    X_dev, y_dev = dev_xy
    fold = np.random.default_rng(seed).permutation(len(y_dev)) % folds
    out = np.zeros((len(y_dev), 3))
    for k in range(folds):
        W, b = _fit_commerce_head(X_syn, y_syn, dev_xy, fold != k, dev_weight, C, seed)
        out[fold == k] = np.asarray(X_dev[np.where(fold == k)[0]] @ W, dtype=np.float64) + b
    return out


def _lp_at(logprobs: np.ndarray, y: np.ndarray) -> np.ndarray:
    return logprobs[np.arange(len(y)), y]


def _dev_rows(path: str | Path) -> tuple[list, np.ndarray]:
    """(Kiwi morphemes, label ids) of a labelled commerce file (``text``, ``label`` neg/neu/pos)."""
    from voc_pipeline.models.evaluate import read_labelled
    from voc_pipeline.stages.tokenize import KiwiTokenizer

    texts, y = read_labelled(path)
    return KiwiTokenizer().morphemes(texts), y


def _balanced_sample(frame, seed: int, per_class: int):
    import pandas as pd

    parts = [g.sample(min(len(g), per_class), random_state=seed) for _, g in frame.groupby("label_id")]
    return pd.concat(parts).reset_index(drop=True)
