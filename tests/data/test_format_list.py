"""A dataset format is named in two places today: its normalizer in data/prepare.FORMATS and the config schema's
`format` enum (the config check cannot import the loaders: some need packages only the data env has). This
test keeps the two lists equal, so that a format added to one is not forgotten in the other
(docs/extending.md)."""

from __future__ import annotations

from mtcodegen.data.prepare import FORMATS
from mtcodegen.schema import load_schema


def test_the_schema_offers_exactly_the_formats_that_have_a_normalizer():
    dataset = load_schema()["properties"]["datasets"]["additionalProperties"]["properties"]
    offered = set(dataset["format"]["enum"])
    assert offered == set(FORMATS), (f"only in the schema: {sorted(offered - set(FORMATS))}; "
                                     f"only in data/prepare.FORMATS: {sorted(set(FORMATS) - offered)}")
