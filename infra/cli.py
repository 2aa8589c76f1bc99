"""Command line of the offline tools: `python -m infra plan|check|diff|bench`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

COMMANDS = ("plan", "check", "diff", "bench")


def _stack_args(parser: argparse.ArgumentParser) -> None:
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--stack", default="dev", help="stack name: reads stacks/Pulumi.<stack>.yaml (default: dev)")
    which.add_argument("--stack-file", type=Path, help="any stack file named Pulumi.<stack>.yaml")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m infra", description="llm-platform offline tools")
    sub = p.add_subparsers(dest="command", required=True)
    plan = sub.add_parser("plan", help="render a stack offline: resource tree, model fit, manifests")
    _stack_args(plan)
    plan.add_argument("--json", type=Path, metavar="FILE", help="also write the machine-readable plan here")
    plan.add_argument("--out", type=Path, default=Path("out"), help="output root (default: out/)")
    plan.add_argument("--no-manifests", action="store_true", help="do not write out/<stack>/manifests/")
    plan.add_argument("--quiet", action="store_true", help="print only the summary line")
    check = sub.add_parser("check", help="run the policy pack's rules over a stack's offline plan")
    _stack_args(check)
    check.add_argument("--write-policy-config", type=Path, metavar="FILE",
                       help="also write the stack's policy config for `pulumi preview --policy-pack-config FILE`")
    diff = sub.add_parser("diff", help="compare a stack's plan with a base (git ref or stack file)")
    _stack_args(diff)
    diff.add_argument("--base", required=True, help="git ref (e.g. origin/main) or a stack file to compare against")
    diff.add_argument("--markdown", action="store_true", help="print a pull-request comment")
    preflight = sub.add_parser("preflight", help="read-only checks of the AWS account before `pulumi up` "
                               "(your AWS credentials)")
    _stack_args(preflight)
    bench = sub.add_parser("bench", help="plan time and peak memory for generated stacks of 1 to 200 models")
    bench.add_argument("--models", default="1,10,50,100,200", help="comma-separated model counts")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "bench":
        from .bench import main as bench_main

        return bench_main([int(n) for n in args.models.split(",")])
    if args.command == "check":
        from .check import main as check_main

        return check_main(args)
    if args.command == "preflight":
        from .preflight.command import main as preflight_main

        return preflight_main(args)
    if args.command == "diff":
        from .diff.command import main as diff_main

        return diff_main(args)
    return plan_command(args)


def plan_command(args: argparse.Namespace) -> int:
    from .config import ConfigError
    from .plan.output import OutputError, write_json, write_manifests
    from .plan.report import render_text
    from .plan.runner import plan_stack
    from .stack_file import report_config_error
    from .validation.k8s_schema import validate_objects

    try:
        plan = plan_stack(args.stack, args.stack_file)
    except ConfigError as exc:
        return report_config_error(exc)
    platform = plan.platform
    validation = validate_objects(plan.kubernetes_objects(), platform.cluster.kubernetes_version)
    manifests_dir = None
    if not args.no_manifests:
        root = args.out / plan.stack / "manifests"
        try:
            write_manifests(plan, root)
        except OutputError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        manifests_dir = str(root)
    if args.json:
        write_json(plan, validation, args.json)
    if args.quiet:
        print(f"{plan.stack}: {len(plan.resources)} resources, {len(plan.kubernetes_objects())} Kubernetes objects, "
              f"{len(validation)} validation problem(s)")
    else:
        print(render_text(plan, validation, manifests_dir, color=sys.stdout.isatty()))
    return 1 if validation else 0
