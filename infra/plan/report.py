"""Human-readable plan: a preview-like resource tree, counts, and the per-model fit table."""

from __future__ import annotations

import shutil
import textwrap
from collections import Counter

from ..catalog.platform_versions import SEMANTIC_ROUTER_VERSION
from ..catalog.semantic_router import CLASSIFIER_REPOSITORIES, CLASSIFIER_REVISION
from ..config import PlatformConfig
from ..cost import CostEstimate, estimate
from ..render.gateway import uses_global_rate_limit
from ..render.model_workload import weight_refs
from ..render.services.semantic_router_config import classifier_paths
from ..sizing import gib
from .availability import availability_lines
from .secrets import secret_lines
from .spend import spend_lines
from .mocks import Registration
from .runner import Plan

WRAP = 110  # prose lines (legends, assumptions) wrap here; tables keep their rows whole
GREEN, BOLD, DIM, RESET = "\033[32m", "\033[1m", "\033[2m", "\033[0m"


def _k8s_label(r: Registration) -> str:
    """The object's namespace/name (its kind is the short type beside it)."""
    meta = r.inputs.get("metadata") or {}
    if not r.inputs.get("kind"):
        return ""
    ns = meta.get("namespace")
    return f"{ns + '/' if ns else ''}{meta.get('name', '')}"


def short_type(token: str) -> str:
    """`aws:iam/role:Role` -> `aws:Role`, `kubernetes:apps/v1:Deployment` -> `k8s:Deployment`,
    `llm-platform:serving:ModelRelease` -> `ModelRelease`; other tokens unchanged."""
    package, _, rest = token.partition(":")
    kind = rest.rsplit(":", 1)[-1]
    if package == "llm-platform":
        return kind
    if package in ("aws", "random") and rest.count(":") == 1:
        return f"{package}:{kind}"
    if package == "kubernetes" and rest.count(":") == 1:
        return f"k8s:{kind}"
    return token


TREE_LEGEND = ("Types are short in the tree: aws:<Kind> is aws:<module>/<resource>:<Kind>, k8s:<Kind> is "
               "kubernetes:<group>/<version>:<Kind>, random:<Kind> is random:index/<resource>:<Kind>, and a bare "
               "<Type> is the component llm-platform:<module>:<Type>; the full tokens are in the counts below and "
               "in --json. (namespace/name) is the Kubernetes object; [..] are resource options.")


def tree_lines(plan: Plan, color: bool = False, width: int | None = None) -> list[str]:
    """Every resource under its parent, children in name order (registration order is not stable), with
    short type names (full tokens where two types would shorten alike); lines cut to `width` if given."""
    shorts: dict[str, set[str]] = {}
    for r in plan.resources:
        shorts.setdefault(short_type(r.type), set()).add(r.type)

    def shown(token: str) -> str:
        short = short_type(token)
        return short if len(shorts.get(short, ())) <= 1 else token

    children: dict[str | None, list[Registration]] = {}
    for r in plan.resources:
        children.setdefault(r.parent, []).append(r)
    urns = {r.urn for r in plan.resources}
    rows: list[tuple[str, str, str]] = [("pulumi:pulumi:Stack", f"{plan.stack_file.project}-{plan.stack}", "")]

    def walk(nodes: list[Registration], prefix: str) -> None:
        nodes = sorted(nodes, key=lambda r: (r.custom, r.name))
        for i, r in enumerate(nodes):
            last = i == len(nodes) - 1
            flags = [f for f, on in (("protected", r.protect), ("retained on delete", r.retain_on_delete),
                                     ("delete-before-replace", r.delete_before_replace),
                                     (f"imports {r.import_id}", r.import_id)) if on]
            detail = _k8s_label(r)
            suffix = (f"  ({detail})" if detail else "") + (f"  [{', '.join(flags)}]" if flags else "")
            rows.append((f"{prefix}{'└─ ' if last else '├─ '}{shown(r.type)}", r.name, suffix))
            walk(children.get(r.urn, []), prefix + ("   " if last else "│  "))

    walk([r for r in plan.resources if r.parent not in urns], "")
    column = max(len(label) for label, _, _ in rows) + 2
    lines = [(f"  + {label.ljust(column)}{name}{suffix}") for label, name, suffix in rows]
    if width:
        lines = [line if len(line) <= width else line[:width - 1] + "…" for line in lines]
    if color:
        lines = [line.replace("  + ", f"  {GREEN}+{RESET} ", 1) for line in lines]
    return lines


def count_lines(plan: Plan) -> list[str]:
    total = len(plan.resources)
    by_type = Counter(r.type for r in plan.resources)
    lines = [f"Resources: {total} to create"]
    for t, n in sorted(by_type.items(), key=lambda kv: (-kv[1], kv[0])):
        lines.append(f"    {n:>4}  {t}")
    return lines


def fit_lines(plan: Plan) -> list[str]:
    header = ("MODEL", "GPUS/REPLICA", "QUANT", "WEIGHTS", "KV/TOKEN", "KV BUDGET", "CONTEXT", "FULL-CTX SEQS",
              "MAX SEQS", "REPLICAS", "HOST")
    rows = [header]
    for m in plan.platform.resolved_models:
        f = m.fit
        rows.append((
            m.name,
            f"{m.gpus} x {m.pool.gpu}",
            m.config.quantization + ("" if m.config.kv_cache_dtype == "auto" else f", kv {m.config.kv_cache_dtype}"),
            gib(f.weights_bytes),
            f"{f.kv_bytes_per_token / 1024:.0f} KiB",
            gib(f.kv_budget_bytes),
            str(m.config.context_window),
            str(f.full_context_sequences),
            str(m.config.max_num_seqs),
            f"{m.config.replicas.min}-{m.config.replicas.max}",
            m.host_instance.name,
        ))
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    out = ["Model fit (per replica, at each model's gpuMemoryUtilization):"]
    for row in rows:
        out.append("  " + "  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
    for m in plan.platform.resolved_models:
        if m.fit.full_context_sequences < m.config.max_num_seqs:
            out.append(f"  note: {m.name}: KV cache holds {m.fit.kv_tokens:,} tokens, {m.fit.full_context_sequences} "
                       f"full-context sequences; maxNumSeqs {m.config.max_num_seqs} relies on shorter requests "
                       "(vLLM queues or preempts the rest).")
        preloaded = {r for o in plan.platform.resolved_models if o.config.preload for r in weight_refs(o)}
        missing = [r.key for r in weight_refs(m) if r not in preloaded]
        if missing:
            out.append(f"  note: {m.name}: nothing preloads {', '.join(missing)}; its pods wait until those "
                       "weights and their completion marker are in the weight store.")
        if m.config.quantization == "fp8" and not m.pool.gpu_type.fp8_compute:
            out.append(f"  note: {m.name}: {m.pool.gpu} has no FP8 compute; vLLM runs FP8 weights as W8A16 (FP8-Marlin).")
    out += ["  - " + FIT_LEGEND]
    return out


FIT_LEGEND = (
    "Columns: GPUS/REPLICA tensor-parallel GPUs of the pool's type; QUANT the weights' quantization (and the KV "
    "cache's dtype when not auto); WEIGHTS the weights on the GPUs, GiB = 2^30 bytes; KV/TOKEN the KV cache one "
    "token takes over all layers, KiB = 2^10 bytes; KV BUDGET what is left for the KV cache after weights and "
    "overhead; CONTEXT contextWindow (vLLM's --max-model-len), tokens; FULL-CTX SEQS how many CONTEXT-long "
    "sequences the budget holds at once; MAX SEQS maxNumSeqs, the most sequences vLLM batches; REPLICAS "
    "replicas.min-max; HOST the cheapest instance of the pool that holds one replica.")
COST_LEGEND = (
    "Columns: CAPACITY the purchase option priced (spot at the minimum, on-demand at the maximum, where the pool "
    "allows spot); COUNT instances or units at minimum-maximum replicas; UNIT PRICE USD per hour (/h) or per "
    "GB-month; $/MONTH over 730 hours. Per model: NODES its host instances at min-max; OUTPUT TOK/S PER REPLICA "
    "the assumed decode throughput (see the assumptions); $/1M OUTPUT TOKENS at that throughput, on-demand, fully "
    "used.")


def _usd(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.2f}"


def _count(value: float) -> str:
    return f"{value:g}" if float(value).is_integer() else f"{value:,.2f}"


def cost_lines(cost: CostEstimate) -> list[str]:
    """The cost section: lines with counts and $/month at min and max replicas, totals, $/1M tokens, assumptions."""
    header = ("CATEGORY", "ITEM", "FOR", "CAPACITY", "COUNT", "UNIT PRICE", "$/MONTH MIN", "$/MONTH MAX")
    rows = [header]
    for line in cost.lines:
        count = _count(line.count_min) if line.count_min == line.count_max else \
            f"{_count(line.count_min)}-{_count(line.count_max)}"
        unit = "/h" if line.unit == "hour" else f"/{line.unit}"
        if line.unit_usd_max is None:
            price = "no published price"
        elif line.unit_usd_min != line.unit_usd_max:
            price = f"{line.unit_usd_min:g}-{line.unit_usd_max:g}{unit}"
        else:
            price = f"{line.unit_usd_max:g}{unit}"
        rows.append((line.category, line.item, line.description, line.capacity_type or "-", count, price,
                     _usd(line.monthly_min_usd), _usd(line.monthly_max_usd)))
    total = "total" if cost.complete else "total (INCOMPLETE: lines without a price are left out)"
    rows.append((total, "", "", "", "", "", _usd(cost.monthly_min_usd), _usd(cost.monthly_max_usd)))
    widths = [max(len(r[i]) for r in rows[:-1]) for i in range(len(header))]
    right = {4, 6, 7}
    out = ["Cost estimate (USD a month, us-east-1, at minimum and at maximum replicas):"]
    for row in rows:
        cells = [c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths))]
        if row is rows[-1]:
            cells[0] = row[0].ljust(sum(widths[:6]) + 2 * 5)
            cells[1:6] = []
        out.append("  " + "  ".join(cells).rstrip())
    out += [f"  note: {line.category} {line.item}: {line.note}" for line in cost.lines
            if line.note and line.note != "no published price"]
    models = [("MODEL", "HOST", "NODES", "$/MONTH MIN", "$/MONTH MAX", "OUTPUT TOK/S PER REPLICA", "$/1M OUTPUT TOKENS")]
    for m in cost.per_model:
        nodes = str(m.nodes_min) if m.nodes_min == m.nodes_max else f"{m.nodes_min}-{m.nodes_max}"
        models.append((m.name, m.host_instance, nodes, _usd(m.monthly_min_usd),
                       _usd(m.monthly_max_usd),
                       "n/a" if m.output_tokens_per_second is None else f"{m.output_tokens_per_second:,.0f}",
                       "n/a" if m.usd_per_million_output_tokens is None else f"{m.usd_per_million_output_tokens:.4f}"))
    if cost.per_model:
        widths = [max(len(r[i]) for r in models) for i in range(len(models[0]))]
        out.append("")
        out.append("Cost per model (its replicas' nodes; cost per million output tokens at the assumed throughput):")
        for row in models:
            out.append("  " + "  ".join(c.rjust(w) if i >= 2 else c.ljust(w)
                                        for i, (c, w) in enumerate(zip(row, widths))).rstrip())
    out.append("  - " + COST_LEGEND)
    out.append("")
    out.append("Cost assumptions:")
    for assumption in cost.assumptions:
        out += textwrap.wrap(assumption, WRAP, initial_indent="  - ", subsequent_indent="    ",
                             break_on_hyphens=False)
    return out


def context_lines(plan: Plan) -> list[str]:
    p = plan.platform
    cluster = (f"existing cluster {p.cluster.name} (looked up by name; network and cluster are not managed)"
               if p.cluster.existing else f"new cluster {p.cluster.name} in a new VPC over "
               f"{p.network.availability_zones} availability zones" if not p.network.existing_vpc_id
               else f"new cluster {p.cluster.name} in VPC {p.network.existing_vpc_id}")
    pools = ", ".join(f"{name} ({pool.gpu}, {pool.provisioner}, up to {pool.gpu_limit} GPUs)"
                      for name, pool in p.gpu_pools.items())
    return [
        f"Target: {cluster}, Kubernetes {p.cluster.kubernetes_version}",
        f"GPU pools: {pools}",
        f"Weights: s3://{_bucket(plan)[0]}/{p.weights.prefix}/ via {p.weights.loader}{_bucket(plan)[1]}; "
        f"models in namespace {p.serving.namespace}",
        f"Gateway: {p.gateway.name} in {p.gateway.namespace} ({'internal' if p.gateway.internal else 'internet-facing'}), "
        f"{len(p.gateway.tenants)} tenant(s), {len(p.gateway.fallbacks)} hosted fallback(s)"
        + _virtual_model(p),
        _tls(p),
        *_rate_limits(p),
        _access(p),
        *_unpinned_fetches(p),
    ]


def _bucket(plan: Plan) -> tuple[str, str]:
    """The weights bucket as the program registered it, and a note on the namespace it is created in."""
    bucket = plan.weights_bucket or {"bucket": plan.platform.weights.bucket_name or "(default bucket)"}
    where = " (the bucket is in the account regional namespace: no other account can take its name)" \
        if bucket.get("bucketNamespace") == "account-regional" else ""
    return bucket["bucket"], where


def _tls(p: PlatformConfig) -> str:
    tls = p.gateway.tls
    if tls is None:
        return ("TLS: none; the gateway speaks plain HTTP on port 80, so API keys cross the network in clear "
                "text (gateway.tls)")
    if tls.issuer == "acme":
        assert tls.acme is not None
        source = (f"a public certificate from Let's Encrypt ({tls.acme.server}), DNS-01 in Route 53 zone "
                  f"{tls.acme.hosted_zone_id}")
    else:
        source = "the platform's private CA (clients must trust its root: Secret cert-manager/llm-platform-ca)"
    return (f"TLS: https://{tls.hostname} with {source}; port 80 redirects to HTTPS. Point {tls.hostname} at "
            "the gateway's load balancer")


def _rate_limits(p: PlatformConfig) -> list[str]:
    limited = sorted(name for name, tenant in p.gateway.tenants.items() if tenant.token_limit)
    if not limited:
        return []
    failure = ("fails closed: their requests get HTTP 500 while the rate limit service or its Redis is down"
               if p.gateway.rate_limit_failure == "closed" else
               "fails open: their requests pass unmetered while the rate limit service or its Redis is down")
    return [f"Rate limits: token limits for {', '.join(limited)} (Redis with a generated password); {failure} "
            "(gateway.rateLimitFailure)"]


def _access(p: PlatformConfig) -> str:
    if p.cluster.existing:
        return "Access: the existing cluster's own access entries (none are created)"
    admins = [f"{len(p.cluster.admin_role_arns)} adminRoleArns"] if p.cluster.admin_role_arns else []
    if p.cluster.deployer_access:
        admins.append("the deployer (the role behind the caller's session)")
    endpoint = "public for " + ", ".join(p.cluster.public_access_cidrs) if p.cluster.endpoint_public_access \
        else "private"
    if p.cluster.private_access_cidrs:
        endpoint += "; in-VPC callers from " + ", ".join(p.cluster.private_access_cidrs)
    return f"Access: cluster-admin for {' and '.join(admins) or 'nobody'}; API endpoint {endpoint}"


def _unpinned_fetches(p: PlatformConfig) -> list[str]:
    """What pods download at run time without a pinned revision (model weights are pinned by the stack)."""
    if not p.gateway.semantic_router.enabled:
        return []
    repos = sorted(CLASSIFIER_REPOSITORIES[path] for path in classifier_paths(p))
    return [f"Warning: the semantic router downloads {', '.join(repos)} from Hugging Face at revision "
            f"{CLASSIFIER_REVISION!r} when a pod starts (router {SEMANTIC_ROUTER_VERSION} cannot pin it)"]


def _virtual_model(p: PlatformConfig) -> str:
    router = p.gateway.semantic_router
    if not router.enabled:
        return ""
    routes = ", ".join(f"{r.name} -> {r.model}" for r in router.routes)
    return (f"; virtual model {router.virtual_model!r} by the semantic router ({routes}; "
            f"otherwise {router.default_model})")


def wrapped(lines: list[str]) -> list[str]:
    """Prose lines wrapped at WRAP, continuing under their text: "  - item", "  note: ...", "Heading: ...";
    other indented lines (a command to copy, a table row) stay whole."""
    out = []
    for line in lines:
        bullet = next((b for b in ("  - ", "  note: ") if line.startswith(b)), "")
        if len(line) <= WRAP or (not bullet and line.startswith(" ")):  # commands and tables stay whole
            out.append(line)
            continue
        out += textwrap.wrap(line[len(bullet):], WRAP, initial_indent=bullet, break_on_hyphens=False,
                             subsequent_indent=" " * (len(bullet) or 2), break_long_words=False)
    return out


def render_text(plan: Plan, validation: list[str], manifests_dir: str | None, color: bool = False) -> str:
    b, r = (BOLD, RESET) if color else ("", "")
    parts = [
        f"{b}llm-platform plan{r}: stack {plan.stack} ({plan.stack_file.display_path}), rendered offline under Pulumi mocks",
        "",
        *wrapped(context_lines(plan)),
        "",
        *tree_lines(plan, color, shutil.get_terminal_size().columns if color else None),
        "",
        *textwrap.wrap(TREE_LEGEND, WRAP, break_on_hyphens=False),
        "",
        *count_lines(plan),
        "",
        *wrapped(fit_lines(plan)),
        "",
        *wrapped(availability_lines(plan.platform, uses_global_rate_limit(plan.platform))),
        "",
        *wrapped(secret_lines(plan.platform, plan.stack_file.values.get("aws:region", "us-east-1"))),
        "",
        *wrapped(cost_lines(cost := estimate(plan.platform, plan.stack))),
        "",
        *wrapped(spend_lines(cost, plan.platform)),
        "",
    ]
    objects = len(plan.kubernetes_objects())
    version = plan.platform.cluster.kubernetes_version
    if validation:
        parts.append(f"Validation: {len(validation)} problem(s) in {objects} Kubernetes objects (Kubernetes {version} "
                     "schemas and pinned CRDs):")
        parts += [f"  {line}" for line in validation]
    else:
        parts.append(f"Validation: {objects} Kubernetes objects valid against the Kubernetes {version} schemas "
                     "(strict) and the pinned CRDs.")
    if manifests_dir:
        parts.append(f"Manifests: {objects} objects written to {manifests_dir}/")
    return "\n".join(parts)

