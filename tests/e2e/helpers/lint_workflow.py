#!/usr/bin/env python3
"""Structural check of the cross-machine benchmark workflow
(.github/workflows/bench.yml), which cannot run here: it must parse as
YAML and have the shape GitHub Actions needs and docs/results.md
promises.  Prints one line per problem; exit 0 when there is none, 1
otherwise, 2 when the file cannot be read or parsed.

Usage: lint_workflow.py FILE
"""
import re
import sys

import yaml

EXPR = re.compile(r"\$\{\{(.*?)\}\}")


def problems(wf):
    out = []
    if not isinstance(wf, dict):
        return ["top level is not a mapping"]
    # PyYAML (YAML 1.1) reads the key `on` as True.
    on = wf.get("on", wf.get(True))
    if not wf.get("name"):
        out.append("no workflow name")
    if not on:
        out.append("no 'on' trigger")
    jobs = wf.get("jobs")
    if not isinstance(jobs, dict) or not jobs:
        return out + ["no jobs"]
    for jid, job in jobs.items():
        if not isinstance(job, dict):
            out.append(f"job {jid}: not a mapping")
            continue
        if "runs-on" not in job:
            out.append(f"job {jid}: no runs-on")
        steps = job.get("steps")
        if not isinstance(steps, list) or not steps:
            out.append(f"job {jid}: no steps")
            continue
        for i, st in enumerate(steps):
            if not isinstance(st, dict) or ("uses" in st) == ("run" in st):
                out.append(f"job {jid} step {i + 1}: needs exactly one of 'uses' and 'run'")
            elif "uses" in st and not re.fullmatch(r"[\w.-]+/[\w./-]+@[\w.-]+", str(st["uses"])):
                out.append(f"job {jid} step {i + 1}: 'uses: {st['uses']}' is not owner/repo@version")

    # The matrix job: make bench on self-hosted KVM runners, one artifact each.
    bench = [j for j, job in jobs.items() if isinstance(job, dict) and any(
        isinstance(s, dict) and "make bench" in str(s.get("run", "")) for s in job.get("steps") or [])]
    if len(bench) != 1:
        return out + [f"want exactly one job running 'make bench', found {len(bench)}"]
    bid = bench[0]
    job = jobs[bid]
    matrix = (job.get("strategy") or {}).get("matrix") or {}
    entries = matrix.get("include") if isinstance(matrix, dict) else None
    runs_on = str(job.get("runs-on", ""))
    m = re.fullmatch(r"\$\{\{\s*matrix\.([\w-]+)\s*\}\}", runs_on)
    if not m:
        out.append(f"job {bid}: runs-on must be a matrix value (${{{{ matrix.<key> }}}}), is {runs_on!r}")
    if not isinstance(entries, list) or len(entries) < 2:
        out.append(f"job {bid}: matrix.include must list at least two runners")
        entries = []
    flavours = set()
    for e in entries:
        labels = e.get(m.group(1)) if m and isinstance(e, dict) else None
        if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
            out.append(f"job {bid}: matrix entry {e!r} has no runner label list")
            continue
        for need in ("self-hosted", "kvm"):
            if need not in labels:
                out.append(f"job {bid}: runner {labels} lacks the '{need}' label (needs /dev/kvm)")
        flavours.update(set(labels) & {"vmx", "svm", "pvm"})
    if entries and len(flavours) < 2:
        out.append(f"job {bid}: the matrix covers fewer than two flavours (vmx, svm, pvm): {sorted(flavours)}")
    if (job.get("strategy") or {}).get("fail-fast") is not False:
        out.append(f"job {bid}: strategy.fail-fast must be false (one host failing must not cancel the others)")
    steps = job.get("steps") or []
    ups = [s for s in steps if isinstance(s, dict) and str(s.get("uses", "")).startswith("actions/upload-artifact@")]
    if not ups:
        out.append(f"job {bid}: no actions/upload-artifact step")
    for s in ups:
        w = s.get("with") or {}
        if "matrix." not in str(w.get("name", "")):
            out.append(f"job {bid}: the artifact name must differ per matrix entry (use ${{{{ matrix.* }}}})")
        if not w.get("path"):
            out.append(f"job {bid}: upload-artifact without a path")
    if not any(isinstance(s, dict) and str(s.get("uses", "")).startswith("actions/checkout@") for s in steps):
        out.append(f"job {bid}: no actions/checkout step")

    # The merge job: after the bench job, downloads the artifacts and runs
    # ringbench report over several run directories.
    merge = [j for j, jb in jobs.items() if isinstance(jb, dict) and bid in (
        [jb["needs"]] if isinstance(jb.get("needs"), str) else jb.get("needs") or [])]
    if len(merge) != 1:
        return out + [f"want exactly one job that needs '{bid}', found {len(merge)}"]
    mid = merge[0]
    msteps = jobs[mid].get("steps") or []
    if not any(isinstance(s, dict) and str(s.get("uses", "")).startswith("actions/download-artifact@") for s in msteps):
        out.append(f"job {mid}: no actions/download-artifact step")
    rep = [str(s.get("run", "")) for s in msteps if isinstance(s, dict) and "ringbench report" in str(s.get("run", ""))]
    if not rep:
        out.append(f"job {mid}: no step runs 'ringbench report'")
    elif not any("*" in r or len(r.split()) >= 4 for r in rep):
        out.append(f"job {mid}: 'ringbench report' is not given the downloaded run directories")
    if "always()" not in str(jobs[mid].get("if", "")) and "cancelled()" not in str(jobs[mid].get("if", "")):
        out.append(f"job {mid}: must run when some hosts failed (if: ${{{{ !cancelled() }}}})")

    # Expressions: balanced, and matrix keys that exist.
    text = yaml.safe_dump(wf)
    keys = set().union(*[set(e) for e in entries if isinstance(e, dict)]) if entries else set()
    for expr in EXPR.findall(text):
        for k in re.findall(r"matrix\.([\w-]+)", expr):
            if k not in keys:
                out.append(f"expression uses matrix.{k}, which no matrix entry defines")
    return out


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    try:
        with open(sys.argv[1]) as f:
            raw = f.read()
        wf = yaml.safe_load(raw)
    except (OSError, yaml.YAMLError) as e:
        print(f"{sys.argv[1]}: {str(e).splitlines()[0]}")
        return 2
    if raw.count("${{") != raw.count("}}"):
        print(f"{sys.argv[1]}: unbalanced ${{{{ }}}} expressions")
        return 1
    p = problems(wf)
    for line in p:
        print(f"{sys.argv[1]}: {line}")
    return 1 if p else 0


if __name__ == "__main__":
    sys.exit(main())
