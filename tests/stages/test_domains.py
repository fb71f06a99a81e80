"""Journey taxonomies (resources/domains/*.yaml) are well-formed configuration."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pytest
import yaml

from voc_pipeline.config import domain_path

DOMAIN_DIR = Path(str(resources.files("voc_pipeline") / "resources" / "domains"))
DOMAIN_FILES = sorted(DOMAIN_DIR.glob("*.yaml"))
COMMERCE_IDS = ["discover", "explore", "order", "payment", "delivery", "use", "support", "refund", "loyalty"]
ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")


def _load(path: Path) -> dict:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{path.name}: top level must be a mapping"
    return data



@pytest.fixture(params=DOMAIN_FILES, ids=[p.stem for p in DOMAIN_FILES])
def domain(request) -> tuple[Path, dict]:
    return request.param, _load(request.param)


def test_core_domains_present():
    names = {p.stem for p in DOMAIN_FILES}
    assert {"commerce", "finance", "telecom", "travel"} <= names


def test_schema(domain):
    path, data = domain
    assert set(data) <= {"domain", "name", "description", "stages", "synonyms", "opinion_synonyms"}, path.name
    assert data["domain"] == path.stem
    assert isinstance(data["name"], str) and data["name"].strip()
    stages = data["stages"]
    assert isinstance(stages, list) and len(stages) >= 3
    for st in stages:
        assert set(st) <= {"id", "name", "description", "keywords", "patterns"}, st.get("id")
        assert ID_RE.match(st["id"]), st["id"]
        assert isinstance(st["name"], str) and st["name"].strip()
        assert isinstance(st.get("description", ""), str)
        kws = st["keywords"]
        assert isinstance(kws, list) and 15 <= len(kws) <= 60, (st["id"], len(kws))
        for kw in kws:
            assert isinstance(kw, str) and kw.strip() == kw and kw and " " not in kw, (st["id"], kw)
        assert len(kws) == len(set(kws)), f"{path.name}:{st['id']} repeats a keyword"


def test_unique_stage_ids(domain):
    _, data = domain
    ids = [s["id"] for s in data["stages"]]
    assert len(ids) == len(set(ids)), ids


def test_keyword_in_one_stage_only(domain):
    path, data = domain
    owner: dict[str, str] = {}
    clashes = []
    for st in data["stages"]:
        for kw in st["keywords"]:
            if kw in owner:
                clashes.append((kw, owner[kw], st["id"]))
            owner[kw] = st["id"]
    assert not clashes, f"{path.name}: keywords in two stages: {clashes}"


def test_patterns_compile(domain):
    _, data = domain
    for st in data["stages"]:
        for pat in st.get("patterns") or []:
            assert isinstance(pat, str) and pat
            re.compile(pat)


def test_synonyms_point_to_keywords(domain):
    path, data = domain
    owner = {kw: st["id"] for st in data["stages"] for kw in st["keywords"]}
    synonyms = data.get("synonyms") or {}
    assert isinstance(synonyms, dict)
    for variant, canonical in synonyms.items():
        assert canonical in owner, f"{path.name}: synonym target {canonical!r} is not a keyword"
        assert variant in owner, f"{path.name}: synonym variant {variant!r} is not a keyword"
        assert owner[variant] == owner[canonical], (
            f"{path.name}: {variant}->{canonical} crosses stages {owner[variant]}->{owner[canonical]}"
        )
        assert canonical not in synonyms, f"{path.name}: synonym chain {variant}->{canonical}->..."
        assert variant != canonical


def test_commerce_stage_ids_fixed():
    data = _load(DOMAIN_DIR / "commerce.yaml")
    assert [s["id"] for s in data["stages"]] == COMMERCE_IDS


@pytest.mark.parametrize(
    "word, stage",
    [("배송", "delivery"), ("택배", "delivery"), ("파손", "delivery"), ("쿠폰", "payment"),
     ("결제", "payment"), ("환불", "refund"), ("교환", "refund"), ("반품", "refund"),
     ("상담원", "support"), ("고객센터", "support"), ("사이즈", "use"), ("품질", "use"),
     ("앱", "explore"), ("로그인", "explore"), ("광고", "discover"), ("재고", "order"),
     ("옵션", "order"), ("재구매", "loyalty"), ("멤버십", "loyalty")],
)
def test_commerce_core_vocabulary(word, stage):
    data = _load(DOMAIN_DIR / "commerce.yaml")
    owner = {kw: st["id"] for st in data["stages"] for kw in st["keywords"]}
    assert owner.get(word) == stage


def test_domain_path_resolves_packaged_names():
    for p in DOMAIN_FILES:
        assert domain_path(p.stem) == p
