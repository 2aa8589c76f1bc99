"""The weights bucket's default name: in the account regional namespace, within S3's limits."""

from __future__ import annotations

import pytest

from infra.catalog.s3_buckets import (
    ACCOUNT_REGIONAL,
    GLOBAL,
    MAX_BUCKET_NAME,
    account_regional_parts,
    default_bucket_name,
    explicit_name_problem,
    namespace_of,
)
from infra.config.base import bucket_name_problem

ACCOUNT = "210987654321"


def test_the_default_carries_account_and_region_and_lives_in_the_account_regional_namespace():
    name = default_bucket_name("prod", ACCOUNT, "eu-west-1")
    assert name == f"llm-platform-prod-weights-{ACCOUNT}-eu-west-1-an"
    assert namespace_of(name) == ACCOUNT_REGIONAL and account_regional_parts(name) == (ACCOUNT, "eu-west-1")
    assert bucket_name_problem(name) is None


@pytest.mark.parametrize("region", ["me-south-1", "me-central-1"])
def test_regions_without_the_namespace_get_a_global_name_that_still_carries_account_and_region(region):
    name = default_bucket_name("prod", ACCOUNT, region)
    assert name == f"llm-platform-prod-weights-{ACCOUNT}-{region}"
    assert namespace_of(name) == GLOBAL and bucket_name_problem(name) is None


@pytest.mark.parametrize("region", ["us-east-1", "ap-southeast-2", "us-gov-west-1", "me-central-1"])
def test_long_stack_names_are_cut_to_63_characters_and_stay_distinct(region):
    one = default_bucket_name("a" * 40 + "-x", ACCOUNT, region)
    other = default_bucket_name("a" * 40 + "-y", ACCOUNT, region)
    assert len(one) == len(other) <= MAX_BUCKET_NAME and one != other
    assert bucket_name_problem(one) is None and bucket_name_problem(other) is None
    assert one.startswith("llm-platform-aaaa") and one.endswith(f"-{ACCOUNT}-{region}" + (
        "" if region.startswith("me-") else "-an"))


def test_a_short_stack_name_is_never_cut():
    assert default_bucket_name("staging-eu", ACCOUNT, "ap-southeast-2").startswith("llm-platform-staging-eu-weights-")


@pytest.mark.parametrize(("name", "region", "problem"), [
    ("weights", "us-east-1", None),  # a global name: any region
    (f"weights-{ACCOUNT}-us-east-1-an", "us-east-1", None),
    (f"weights-{ACCOUNT}-us-east-1-an", "eu-west-1", "is an account regional name of region us-east-1"),
    (f"weights-{ACCOUNT}-me-south-1-an", "me-south-1", "but me-south-1 has no account regional namespace"),
])
def test_explicit_names_in_the_account_regional_format_must_fit_the_region(name, region, problem):
    found = explicit_name_problem(name, region)
    assert (found is None) if problem is None else (problem in found and "allowed: " in found)


@pytest.mark.parametrize("name", ["weights-an", f"weights-{ACCOUNT}-an", "weights-12345-us-east-1-an",
                                  f"weights-{ACCOUNT}-us-east-1"])
def test_names_not_in_the_account_regional_format_are_global(name):
    assert namespace_of(name) == GLOBAL
