"""The plan says what runs as a single replica and what a drain does to it."""

from infra.plan.availability import availability_lines
from tests.conftest import reference_config


def test_single_replica_controllers_models_and_stores_are_named_with_their_field():
    lines = availability_lines(reference_config("dev"), rate_limited=False)
    text = "\n".join(lines)
    assert lines[0].startswith("Single replicas")
    assert "KEDA operator (services.keda.operator.replicas)" in text
    assert "Envoy Gateway controller" not in text  # two replicas by default
    assert "model qwen-coder (replicas.min 1)" in text and "requests fail until a new replica has loaded" in text
    assert "Redis" not in text and "semantic router" not in text


def test_more_replicas_drop_a_component_from_the_list():
    cfg = reference_config("dev", services={"keda": {"operator": {"replicas": 2}}})
    assert "KEDA operator" not in "\n".join(availability_lines(cfg, rate_limited=False))


def test_rate_limits_router_fallbacks_and_a_single_proxy():
    prod = reference_config("prod")
    text = "\n".join(availability_lines(prod, rate_limited=True))
    assert "Redis (rate limits)" in text and "requests are refused (gateway.rateLimitFailure: closed)" in text
    assert "requests for 'auto' go to qwen3-8b" in text
    assert "model llama-70b (replicas.min 1)" in text and "its hosted fallbacks answer" in text
    assert "the gateway's Envoy proxy" not in text  # two proxies
    gateway = prod.gateway.model_copy(update={"replicas": 1})
    single = prod.model_copy(update={"gateway": gateway})
    assert any("the gateway's Envoy proxy (gateway.replicas)" in line
               for line in availability_lines(single, rate_limited=True))
