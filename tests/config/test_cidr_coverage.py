"""Allow-lists are judged by the public address space they cover, not by how they are written."""

from __future__ import annotations

import json

import pytest

from infra.config import ConfigError
from infra.config.cluster import MAX_INTERNET_SHARE, _not_the_whole_internet, internet_share, share_problem
from tests.conftest import reference_config, reference_stack_file


@pytest.mark.parametrize("cidrs", [["0.0.0.0/0"], ["0.0.0.0/1", "128.0.0.0/1"],
                                   [f"{i}.0.0.0/3" for i in (0, 32, 64, 96, 128, 160, 192, 224)]])
def test_the_internet_in_any_number_of_pieces_is_all_of_it(cidrs):
    assert internet_share(cidrs, 4) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="the whole internet"):
        _not_the_whole_internet(cidrs)


def test_private_space_and_specific_blocks_are_allowed():
    cidrs = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "203.0.113.0/24", "2001:db8::/48"]
    assert internet_share(cidrs, 4) < 1e-6 and _not_the_whole_internet(cidrs) == cidrs


def test_the_share_is_counted_once_for_overlapping_blocks_and_capped():
    assert internet_share(["8.0.0.0/8", "8.8.0.0/16"], 4) == pytest.approx(internet_share(["8.0.0.0/8"], 4))
    assert internet_share(["8.0.0.0/8"], 4) > MAX_INTERNET_SHARE  # a /8 of public space is too much by default
    assert share_problem(["8.0.0.0/8"], MAX_INTERNET_SHARE) and share_problem(["8.0.0.0/10"], MAX_INTERNET_SHARE) is None
    with pytest.raises(ValueError):  # beyond what any stack may allow: refused on the field itself
        _not_the_whole_internet(["32.0.0.0/3"])
    assert _not_the_whole_internet(["8.0.0.0/8"]) == ["8.0.0.0/8"]


def test_the_share_is_the_stacks_choice_within_the_hard_limit():
    gateway = json.loads(reference_stack_file("prod").values["llm-platform:gateway"])
    wide = gateway | {"allowedSourceCidrs": ["8.0.0.0/8"]}  # about 0.45% of the public IPv4 space
    with pytest.raises(ConfigError) as caught:
        reference_config("prod", gateway=wide)
    (line,) = caught.value.lines
    assert "llm-platform:gateway.allowedSourceCidrs: the whole internet is not an allow-list" in line
    assert "(network.maxInternetShare)" in line
    network = json.loads(reference_stack_file("prod").values["llm-platform:network"])
    reference_config("prod", gateway=wide, network=network | {"maxInternetShare": 0.01})
    with pytest.raises(ConfigError, match="less than or equal to 0.0625"):
        reference_config("prod", network=network | {"maxInternetShare": 0.5})
